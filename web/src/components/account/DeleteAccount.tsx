"use client";
// Leaving: POST /api/auth/delete/ with the password (and a code, with two-factor sign-in on).
// A wrong password or code is said in the API's words; while the person alone owns groups that
// others belong to, the API names them (409), and each links to its Manage page, where its
// ownership is handed over. Once deleted, this browser is signed out and shown the goodbye page.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { AccountDeleteRefused, AccountDeleteRequest } from "@/api/types";
import { type ApiError, api } from "@/lib/api";
import { STAY_BUSY, useSubmit } from "@/lib/hooks";
import { useSession } from "@/lib/session";
import { Field } from "../Field";
import { FormErrors } from "../States";

export const DELETED_PAGE = "/account/deleted";

function ownedGroups(error: ApiError | null): AccountDeleteRefused | null {
  const body = error?.status === 409 ? (error.body as Partial<AccountDeleteRefused> | null) : null;
  return body && Array.isArray(body.groups) ? { detail: body.detail ?? "", groups: body.groups } : null;
}

export function DeleteAccount({ twoFactor }: { twoFactor: boolean }) {
  const { refresh } = useSession();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const { busy, error, setError, submit } = useSubmit();
  const refused = ownedGroups(error);

  const remove = submit(async () => {
    const body: AccountDeleteRequest = twoFactor ? { password, code: code.trim() } : { password };
    await api<null>("/api/auth/delete/", { method: "POST", body });
    // The API ended this session with its answer: the header reads nobody now, and the
    // goodbye page replaces this one (which would send nobody to sign in).
    await refresh().catch(() => undefined);
    router.replace(DELETED_PAGE);
    router.refresh();
    return STAY_BUSY;
  });

  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      {open ? (
        <form onSubmit={remove}>
          <p>
            This cannot be undone: your posts, comments, reactions and uploads are removed, and you leave every
            group.
          </p>
          <Field
            id="delete-password"
            label="Your password, to delete your account"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={setPassword}
          />
          {twoFactor && (
            <Field
              id="delete-code"
              label="Code from your app, or a recovery code"
              autoComplete="one-time-code"
              required
              value={code}
              onChange={setCode}
            />
          )}
          {refused ? (
            <div className="error" role="alert">
              <p>{refused.detail}</p>
              <ul aria-label="Groups you alone own">
                {refused.groups.map((group) => (
                  <li key={group.id}>
                    <Link href={`/g/${group.id}/manage`}>Make someone else owner of {group.name}</Link>
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <FormErrors error={error} />
          )}
          <div className="actions">
            <button type="submit" className="button danger" disabled={busy}>
              Delete my account
            </button>
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setOpen(false);
                setError(null);
              }}
            >
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
