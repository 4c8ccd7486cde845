"use client";
// Sign up (django-allauth's sign-up): the API mails the address a link to verify it; until it
// is followed the address is unverified, and the page says where the link went. An invitation
// link's key goes with the sign-up. What REGISTRATION_MODE answers is said in words: signed in
// (open, or a valid invitation), waiting for staff to approve (approval: 202), or the API's
// refusal (invite-only without a valid invitation: a 400 on `invitation`; closed: a 403).
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useSubmit } from "@/lib/hooks";
import { useSession } from "@/lib/session";
import { Field } from "./Field";
import { FormErrors } from "./States";

export function RegisterForm({ invitation }: { invitation?: string }) {
  const { register } = useSession();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useSubmit();
  const [done, setDone] = useState<{ signedIn: boolean; awaitingApproval?: string } | null>(null);

  const join = submit(async () => {
    const outcome = await register({ username, email, password, invitation });
    setDone(outcome.signedIn ? { signedIn: true } : { signedIn: false, awaitingApproval: outcome.awaitingApproval });
    if (outcome.signedIn) router.refresh(); // the page was read as nobody
  });

  if (done?.awaitingApproval !== undefined)
    return (
      <section className="card narrow" aria-labelledby="auth-heading">
        <h1 id="auth-heading">Waiting for approval</h1>
        <p role="status">
          {done.awaitingApproval || "Staff approve every new account here: you will get a mail when yours is approved."}
        </p>
        <p>
          Meanwhile, we sent a link to <strong>{email}</strong>: follow it to verify your address.
        </p>
      </section>
    );

  if (done)
    return (
      <section className="card narrow" aria-labelledby="auth-heading">
        <h1 id="auth-heading">Check your mail</h1>
        <p role="status">
          We sent a link to <strong>{email}</strong>: follow it to verify your address.
        </p>
        {done.signedIn ? (
          <>
            <p>You are signed in as {username} meanwhile.</p>
            <Link href="/" className="button">
              Go to your feed
            </Link>
          </>
        ) : (
          <p>
            Once it is verified, <Link href="/signin">sign in</Link>.
          </p>
        )}
      </section>
    );

  return (
    <section className="card narrow" aria-labelledby="auth-heading">
      <h1 id="auth-heading">Join Divan</h1>
      {invitation && <p>You were invited: your invitation goes with this sign-up.</p>}
      <form onSubmit={join}>
        <Field id="username" label="Username" autoComplete="username" required value={username} onChange={setUsername} />
        <Field id="email" label="Email" type="email" autoComplete="email" required value={email} onChange={setEmail} />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
        />
        <FormErrors error={error} />
        <button type="submit" className="button" disabled={busy}>
          Join Divan
        </button>
      </form>
      <p>
        Already a member? <Link href="/signin">Sign in</Link>
      </p>
    </section>
  );
}
