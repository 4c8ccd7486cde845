"use client";
// Shows the new secret (as a QR code the page drew, and as text), confirms it with a code from
// the app (the password first, if the API asks for it: then a new code, since the one typed may
// have expired meanwhile), then shows the recovery codes the API made with it, and no secret.
import Link from "next/link";
import { useState } from "react";
import { type RecoveryCodes, auth } from "@/lib/allauth";
import { useSubmit } from "@/lib/hooks";
import { Field } from "../Field";
import { FormErrors } from "../States";
import { Cancelled, Confirmed, useReauthenticated } from "./Reauthenticate";
import { RecoveryCodeList } from "./RecoveryCodeList";

export function TotpSetup({ qr, secret }: { qr: string; secret: string }) {
  const { run, prompt } = useReauthenticated();
  const [code, setCode] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const { busy, error, submit } = useSubmit();

  const turnOn = submit(async () => {
    setNotice(null);
    try {
      const activate = () => auth("account/authenticators/totp", { method: "POST", body: { code: code.trim() } });
      await run(activate, { again: false });
      const answer = await run(() => auth<RecoveryCodes>("account/authenticators/recovery-codes"));
      setCodes(answer.data?.unused_codes ?? []);
    } catch (failure) {
      if (failure instanceof Confirmed) {
        setCode("");
        setNotice("Password confirmed. Type the code your app shows now, and turn it on.");
      } else if (!(failure instanceof Cancelled)) throw failure;
    }
  });

  if (codes)
    return (
      <>
        <h1 id="setup-heading">Two-factor sign-in is on</h1>
        <p role="status">From now on, signing in asks for a code from your app.</p>
        {codes.length > 0 ? (
          <RecoveryCodeList codes={codes} />
        ) : (
          <p>Your recovery codes were shown before: make new ones on your account page if you need them.</p>
        )}
        <p>
          <Link href="/account" className="button">
            Done
          </Link>
        </p>
      </>
    );
  return (
    <>
      <h1 id="setup-heading">Set up two-factor sign-in</h1>
      <p>Scan this code with an authenticator app on your phone.</p>
      <div className="qr" role="img" aria-label="QR code of your two-factor secret" dangerouslySetInnerHTML={{ __html: qr }} />
      <p>
        Or type this secret into the app: <code className="secret">{secret}</code>
      </p>
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={turnOn}>
        <Field
          id="totp-code"
          label="Code from your app"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={setCode}
        />
        <FormErrors error={error} />
        <button type="submit" className="button" disabled={busy}>
          Turn on two-factor sign-in
        </button>
      </form>
      {prompt}
      <p>
        <Link href="/account">Back to your account</Link>
      </p>
    </>
  );
}
