"use client";
// Sign in and register: a session cookie, never a token a script can read.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api";
import { useSession } from "@/lib/session";
import { FormErrors } from "./States";

export function AuthForm({ mode }: { mode: "signin" | "register" }) {
  const { signIn, register } = useSession();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === "signin") await signIn(username, password);
      else await register(username, email, password);
      router.push("/");
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
      setBusy(false);
    }
  }

  const title = mode === "signin" ? "Sign in" : "Join Divan";
  return (
    <section className="card narrow" aria-labelledby="auth-heading">
      <h1 id="auth-heading">{title}</h1>
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
        {mode === "register" && (
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
        )}
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete={mode === "signin" ? "current-password" : "new-password"}
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <FormErrors error={error} />
        <button type="submit" className="button" disabled={busy}>
          {title}
        </button>
      </form>
      <p>
        {mode === "signin" ? (
          <>
            New here? <Link href="/register">Join Divan</Link>
          </>
        ) : (
          <>
            Already a member? <Link href="/signin">Sign in</Link>
          </>
        )}
      </p>
    </section>
  );
}
