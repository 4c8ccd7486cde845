"use client";
// Sign up (django-allauth's sign-up): the API mails the address a link to verify it; until it
// is followed the address is unverified, and the page says where the link went.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api";
import { useSession } from "@/lib/session";
import { FormErrors } from "./States";

export function RegisterForm() {
  const { register } = useSession();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<{ signedIn: boolean } | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const outcome = await register(username, email, password);
      setDone({ signedIn: outcome.signedIn });
      if (outcome.signedIn) router.refresh(); // the page was read as nobody
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

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
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="username">Username</label>
          <input
            id="username"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </div>
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
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
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
