"use client";
// Sets the new password of a reset link; then the person signs in with it.
import Link from "next/link";
import { useState } from "react";
import { auth } from "@/lib/allauth";
import { useSubmit } from "@/lib/hooks";
import { useSession } from "@/lib/session";
import { Field } from "../Field";
import { FormErrors } from "../States";
import { KeyRefused } from "./KeyRefused";

export function ResetPassword({ resetKey, username }: { resetKey: string; username: string }) {
  const { refresh } = useSession();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit();

  const reset = submit(async () => {
    await auth("auth/password/reset", { method: "POST", body: { key: resetKey, password } });
    await refresh(); // who is signed in here, if anyone, after the API's reset
    setDone(true);
  });

  const keyRefused = error?.status === 400 && (error.body as { errors?: { param?: string }[] })?.errors?.some((e) => e.param === "key");
  if (keyRefused)
    return <KeyRefused status={400} body={error.body} next={{ href: "/account/password/reset", label: "Ask for a new link" }} />;
  return (
    <section className="card narrow" aria-labelledby="reset-heading">
      <h1 id="reset-heading">Set a new password</h1>
      {done ? (
        <>
          <p role="status">Your new password is set.</p>
          <p>
            <Link href="/signin" className="button">
              Sign in
            </Link>
          </p>
        </>
      ) : (
        <form onSubmit={reset}>
          {/* the username, for the browser's password manager to file the new password under */}
          <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
          <p>
            For <strong>{username}</strong>.
          </p>
          <Field
            id="new-password"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={setPassword}
          />
          <FormErrors error={error} />
          <button type="submit" className="button" disabled={busy}>
            Set my new password
          </button>
        </form>
      )}
    </section>
  );
}
