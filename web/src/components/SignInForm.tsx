"use client";
// Sign in: username and password, then, when the API asks for it, the second factor (a code
// from the authenticator app, or a recovery code). A session cookie, never a token a script
// can read.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api";
import { STAY_BUSY, useSubmit } from "@/lib/hooks";
import { safeNext } from "@/lib/paths";
import { type Outcome, useSession } from "@/lib/session";
import { Field } from "./Field";
import { FormErrors } from "./States";

type Step = "credentials" | "code" | "verify_email";

export function SignInForm({ next, initialStep = "credentials" }: { next?: string; initialStep?: Step }) {
  const { signIn, secondFactor } = useSession();
  const router = useRouter();
  const [step, setStep] = useState<Step>(initialStep);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const { busy, error, setError, submit } = useSubmit();

  function follow(outcome: Outcome) {
    if (outcome.signedIn) {
      router.push(safeNext(next));
      router.refresh(); // the pages were read as nobody
      return STAY_BUSY;
    }
    const pending = outcome.pending?.id;
    if (pending === "mfa_authenticate") setStep("code");
    else if (pending === "verify_email") setStep("verify_email");
    else throw new ApiError(401, { detail: "Signing in did not finish: try again." });
  }

  const send = submit(async () =>
    follow(step === "code" ? await secondFactor(code.trim()) : await signIn(username, password)),
  );

  if (step === "verify_email")
    return (
      <section className="card narrow" aria-labelledby="auth-heading">
        <h1 id="auth-heading">Verify your address first</h1>
        <p>We sent a link to your email address. Follow it, then sign in.</p>
        <button type="button" className="button secondary" onClick={() => setStep("credentials")}>
          Back to sign in
        </button>
      </section>
    );

  return (
    <section className="card narrow" aria-labelledby="auth-heading">
      <h1 id="auth-heading">Sign in</h1>
      {step === "code" ? (
        <form onSubmit={send}>
          <p id="code-help">
            Two-factor sign-in is on for this account. Enter the code your authenticator app shows, or one of
            your recovery codes.
          </p>
          <Field
            id="code"
            label="Code"
            autoComplete="one-time-code"
            aria-describedby="code-help"
            required
            autoFocus
            value={code}
            onChange={setCode}
          />
          <FormErrors error={error} />
          <div className="actions">
            <button type="submit" className="button" disabled={busy}>
              Continue
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setStep("credentials");
                setCode("");
                setError(null);
              }}
            >
              Start over
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={send}>
          <Field id="username" label="Username" autoComplete="username" required value={username} onChange={setUsername} />
          <Field
            id="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={setPassword}
          />
          <FormErrors error={error} />
          <button type="submit" className="button" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
      <p>
        <Link href="/account/password/reset">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link href="/register">Join Divan</Link>
      </p>
    </section>
  );
}
