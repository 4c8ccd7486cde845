"use client";
// Leaving: DELETE /api/auth/me/ with the password (and a code, with two-factor sign-in on).
// The API says what it refuses; once it is done, this browser is signed out.
import Link from "next/link";
import { useState } from "react";
import { ApiError, api } from "@/lib/api";
import { useSession } from "@/lib/session";
import { FormErrors } from "../States";

export function DeleteAccount({ twoFactor }: { twoFactor: boolean }) {
  const { refresh } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api<null>("/api/auth/me/", {
        method: "DELETE",
        body: twoFactor ? { password, code: code.trim() } : { password },
      });
      setDone(true);
      // The header reads nobody now; the page is not read again (it would send you to sign in).
      await refresh().catch(() => undefined);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      {done ? (
        <>
          <p role="status">Your account is deleted. Goodbye!</p>
          <Link href="/">Divan&apos;s home page</Link>
        </>
      ) : open ? (
        <form onSubmit={submit}>
          <p>This cannot be undone.</p>
          <div className="field">
            <label htmlFor="delete-password">Your password, to delete your account</label>
            <input
              id="delete-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {twoFactor && (
            <div className="field">
              <label htmlFor="delete-code">Code from your app, or a recovery code</label>
              <input
                id="delete-code"
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(event) => setCode(event.target.value)}
              />
            </div>
          )}
          <FormErrors error={error} />
          <div className="actions">
            <button type="submit" className="button danger" disabled={busy}>
              Delete my account
            </button>
            <button type="button" className="button secondary" onClick={() => setOpen(false)}>
              Keep it
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="button danger" onClick={() => setOpen(true)}>
          Delete my account…
        </button>
      )}
    </section>
  );
}
