"use client";
// Stopping what an unsubscribe link names, on a press: then the page says it is done, and where
// to change it back (the notification settings, once signed in).
import Link from "next/link";
import { useState } from "react";
import type { UnsubscribeDone, UnsubscribeTarget } from "@/api/types";
import { api } from "@/lib/api";
import { useSubmit } from "@/lib/hooks";
import { unsubscribePath } from "@/lib/paths";
import { FormErrors } from "./States";

export function Unsubscribe({ token, target }: { token: string; target: UnsubscribeTarget }) {
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit();
  const address = target.email ? ` to ${target.email}` : "";
  return (
    <section className="card narrow" aria-labelledby="unsubscribe-heading">
      <h1 id="unsubscribe-heading">{done ? "Unsubscribed" : "Unsubscribe"}</h1>
      {done ? (
        <p role="status">
          Done: no more mail{address} for <strong>{target.label}</strong>. What reaches you in the hub stays as it was.
        </p>
      ) : (
        <form
          onSubmit={submit(async () => {
            await api<UnsubscribeDone>(unsubscribePath(token), { method: "POST" });
            setDone(true);
          })}
        >
          <p>
            Stop mail{address} for <strong>{target.label}</strong>?
          </p>
          <button type="submit" className="button" disabled={busy}>
            Unsubscribe
          </button>
          <FormErrors error={error} />
        </form>
      )}
      <p>
        <Link href="/account/notifications">Notification settings</Link>: choose what reaches you, in the hub and by
        mail.
      </p>
    </section>
  );
}
