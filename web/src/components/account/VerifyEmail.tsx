"use client";
// Confirms an address on a press of the button (never on the page's GET).
import Link from "next/link";
import { useState } from "react";
import { auth } from "@/lib/allauth";
import { ApiError } from "@/lib/api";
import { useSession } from "@/lib/session";
import { FormErrors } from "../States";
import { KeyRefused } from "./KeyRefused";

export function VerifyEmail({ verificationKey, email }: { verificationKey: string; email: string }) {
  const { user, refresh } = useSession();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const answer = await auth("auth/email/verify", { method: "POST", body: { key: verificationKey } });
      // Verifying may finish a sign-up that waited for it (mandatory verification): signed in.
      // (No refresh of the page: read again, the key is a used one.)
      if (answer.status === 200) await refresh();
      setDone(true);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  if (error?.status === 400)
    return (
      <KeyRefused
        status={400}
        body={error.body}
        next={user ? { href: "/account", label: "Your account" } : { href: "/signin", label: "Sign in" }}
      />
    );
  if (done)
    return (
      <section className="card narrow" aria-labelledby="verify-heading">
        <h1 id="verify-heading">Address verified</h1>
        <p role="status">
          <strong>{email}</strong> is verified.
        </p>
        <p>{user ? <Link href="/account">Your account</Link> : <Link href="/signin">Sign in</Link>}</p>
      </section>
    );
  return (
    <section className="card narrow" aria-labelledby="verify-heading">
      <h1 id="verify-heading">Verify your address</h1>
      <p>
        Confirm that <strong>{email}</strong> is your address.
      </p>
      <FormErrors error={error} />
      <button type="button" className="button" disabled={busy} onClick={confirm}>
        Verify this address
      </button>
    </section>
  );
}
