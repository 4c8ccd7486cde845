"use client";
// "Forgot your password?": the API mails a link to set a new one. Its answer is the same whether
// or not an account has the address, and so is this page's.
import Link from "next/link";
import { useState } from "react";
import { auth } from "@/lib/allauth";
import { ApiError } from "@/lib/api";
import { FormErrors } from "../States";

export function ResetRequest() {
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await auth("auth/password/request", { method: "POST", body: { email } });
      setSent(true);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow" aria-labelledby="reset-heading">
      <h1 id="reset-heading">Forgot your password?</h1>
      {sent ? (
        <>
          <p role="status">
            Check your mail: if an account has <strong>{email}</strong>, a link to set a new password is on its way.
          </p>
          <p>
            <Link href="/signin">Back to sign in</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit}>
          <p>Give the address of your account, and we will mail you a link to set a new password.</p>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              id="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          <FormErrors error={error} />
          <button type="submit" className="button" disabled={busy}>
            Send me a link
          </button>
        </form>
      )}
    </section>
  );
}
