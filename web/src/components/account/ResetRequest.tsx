"use client";
// "Forgot your password?": the API mails a link to set a new one. Its answer is the same whether
// or not an account has the address, and so is this page's.
import Link from "next/link";
import { useState } from "react";
import { auth } from "@/lib/allauth";
import { useSubmit } from "@/lib/hooks";
import { Field } from "../Field";
import { FormErrors } from "../States";

export function ResetRequest() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useSubmit();

  const request = submit(async () => {
    await auth("auth/password/request", { method: "POST", body: { email } });
    setSent(true);
  });

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
        <form onSubmit={request}>
          <p>Give the address of your account, and we will mail you a link to set a new password.</p>
          <Field id="email" label="Email" type="email" autoComplete="email" required value={email} onChange={setEmail} />
          <FormErrors error={error} />
          <button type="submit" className="button" disabled={busy}>
            Send me a link
          </button>
        </form>
      )}
    </section>
  );
}
