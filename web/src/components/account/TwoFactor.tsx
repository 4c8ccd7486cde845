"use client";
// Two-factor sign-in on the account page: whether it is on, the recovery codes left, new
// codes, and turning it off (both may ask for the password first: useReauthenticated).
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { type Authenticator, type RecoveryCodes, auth } from "@/lib/allauth";
import { ApiError } from "@/lib/api";
import { FormErrors } from "../States";
import { Time } from "../Time";
import { Cancelled, useReauthenticated } from "./Reauthenticate";
import { RecoveryCodeList } from "./RecoveryCodeList";

export function TwoFactor({ authenticators }: { authenticators: Authenticator[] }) {
  const router = useRouter();
  const { run, prompt } = useReauthenticated();
  const [busy, setBusy] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [off, setOff] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const totp = authenticators.find((one) => one.type === "totp");
  const recovery = authenticators.find((one) => one.type === "recovery_codes");

  async function act(action: () => Promise<void>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await run(action);
      router.refresh();
    } catch (failure) {
      if (!(failure instanceof Cancelled)) setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  const newCodes = () =>
    act(async () => {
      const answer = await auth<RecoveryCodes>("account/authenticators/recovery-codes", { method: "POST" });
      setCodes(answer.data?.unused_codes ?? []);
    });
  const turnOff = () =>
    act(async () => {
      await auth("account/authenticators/totp", { method: "DELETE" });
      setCodes(null);
      setOff(true);
    });

  return (
    <section className="card" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor sign-in</h2>
      {totp ? (
        <>
          <p>
            <span className="badge ok">On</span> since{" "}
            <Time iso={new Date(totp.created_at * 1000).toISOString()} />: signing in takes a code from your
            authenticator app, or a recovery code.
          </p>
          {recovery && "unused_code_count" in recovery && (
            <p>
              {recovery.unused_code_count} of {recovery.total_code_count} recovery codes left.
            </p>
          )}
          {codes && <RecoveryCodeList codes={codes} />}
          {prompt}
          <FormErrors error={error} />
          <div className="actions">
            <button type="button" className="button secondary" disabled={busy} onClick={newCodes}>
              Make new recovery codes
            </button>
            <button type="button" className="button danger" disabled={busy} onClick={turnOff}>
              Turn off two-factor sign-in
            </button>
          </div>
        </>
      ) : (
        <>
          {off && <p role="status">Two-factor sign-in is off.</p>}
          <p>Off: your password alone signs you in. With it on, signing in also takes a code from an app on your phone.</p>
          <Link href="/account/two-factor" className="button">
            Set up two-factor sign-in
          </Link>
        </>
      )}
    </section>
  );
}
