"use client";
// Confirms the new secret with a code from the app (the password first, if the API asks for
// it), then shows the recovery codes the API made with it.
import Link from "next/link";
import { useState } from "react";
import { type RecoveryCodes, auth } from "@/lib/allauth";
import { ApiError } from "@/lib/api";
import { FormErrors } from "../States";
import { Cancelled, useReauthenticated } from "./Reauthenticate";
import { RecoveryCodeList } from "./RecoveryCodeList";

export function TotpSetup() {
  const { run, prompt } = useReauthenticated();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await run(() => auth("account/authenticators/totp", { method: "POST", body: { code: code.trim() } }));
      const answer = await run(() => auth<RecoveryCodes>("account/authenticators/recovery-codes"));
      setCodes(answer.data?.unused_codes ?? []);
    } catch (failure) {
      if (!(failure instanceof Cancelled)) setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  if (codes)
    return (
      <>
        <p role="status">Two-factor sign-in is on.</p>
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
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="totp-code">Code from your app</label>
          <input
            id="totp-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </div>
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
