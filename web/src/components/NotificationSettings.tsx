"use client";
// The notification settings' parts: each type's delivery and the digest (each change sent at
// once, the page showing the server's answer), and the people you block or mute, with Undo.
import Link from "next/link";
import { useId, useState } from "react";
import type { Block, Delivery, Page, Preferences } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { usePages } from "@/lib/hooks";
import { blocksPath } from "@/lib/paths";
import { Empty, ErrorBox, FormErrors, Loading } from "./States";
import { Time } from "./Time";

export const DELIVERIES: [Delivery, string][] = [
  ["off", "Off"],
  ["hub", "In the hub"],
  ["mail", "In the hub and by mail"],
];

function deliveryName(delivery: string): string {
  return DELIVERIES.find(([value]) => value === delivery)?.[1] ?? delivery;
}

export function NotificationPreferences({ first }: { first: Preferences }) {
  const id = useId();
  const [preferences, setPreferences] = useState(first);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState("");

  async function change(body: { types?: Record<string, Delivery>; digest?: boolean }, what: string) {
    setBusy(true);
    setError(null);
    setSaved("");
    try {
      setPreferences(await api<Preferences>("notifications/preferences/", { method: "PATCH", body }));
      setSaved(what);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>How each kind reaches you</h2>
      <p className="muted">Off, in the hub (the bell and your notifications), or in the hub and by mail.</p>
      <ul className="preferences">
        {preferences.types.map((type) => (
          <li key={type.type}>
            <label htmlFor={`${id}-${type.type}`}>{type.label}</label>
            <select
              id={`${id}-${type.type}`}
              value={type.delivery}
              disabled={busy}
              onChange={(event) => {
                const delivery = event.target.value as Delivery;
                change({ types: { [type.type]: delivery } }, `${type.label}: ${deliveryName(delivery)}.`);
              }}
            >
              {DELIVERIES.map(([value, label]) => (
                <option key={value} value={value}>
                  {value === type.default ? `${label} (default)` : label}
                </option>
              ))}
            </select>
          </li>
        ))}
      </ul>
      <h3>While you are away</h3>
      <label className="choice">
        <input
          type="checkbox"
          checked={preferences.digest}
          disabled={busy}
          onChange={(event) =>
            change(
              { digest: event.target.checked },
              event.target.checked ? "The digest is on." : "The digest is off.",
            )
          }
        />{" "}
        Mail me a digest of what I have not read when I have been away for a while
      </label>
      <p className="muted" role="status" aria-live="polite">
        {saved && `Saved. ${saved}`}
      </p>
      <FormErrors error={error} />
    </section>
  );
}

function BlockItem({ block, onUndone }: { block: Block; onUndone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const name = block.user.username;
  async function undo() {
    setBusy(true);
    setError(null);
    try {
      await api(`blocks/${encodeURIComponent(name)}/`, { method: "DELETE" });
      onUndone();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
      setBusy(false);
    }
  }
  return (
    <li className="manage-item profile-comment">
      <p>
        <Link href={`/u/${encodeURIComponent(name)}`} prefetch={false}>
          {name}
        </Link>{" "}
        <span className="badge">{block.kind === "block" ? "Blocked" : "Muted"}</span>{" "}
        <span className="muted">
          since <Time iso={block.created_at} />
        </span>
      </p>
      <button type="button" className="button secondary" disabled={busy} onClick={undo}>
        {block.kind === "block" ? `Unblock ${name}` : `Unmute ${name}`}
      </button>
      <FormErrors error={error} />
    </li>
  );
}

export function BlockList({ first }: { first: Page<Block> | undefined }) {
  const id = useId();
  const list = usePages<Block>(blocksPath, first);
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>People you block or mute</h2>
      <p className="muted">
        A mute keeps what they do from notifying you. A block does that too, and leaves their posts and comments out of
        your feeds, threads and search. They are not told either way.
      </p>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {!list.error && !list.loading && list.items.length === 0 && <Empty>You block or mute nobody.</Empty>}
      <ul className="manage-list">
        {list.items.map((block) => (
          <BlockItem
            key={block.user.id}
            block={block}
            onUndone={() => list.setItems((items) => items.filter((item) => item.user.id !== block.user.id))}
          />
        ))}
      </ul>
      {list.loading && <Loading label="Loading…" />}
      {!list.done && !list.loading && !list.error && (
        <button type="button" className="button secondary" onClick={list.loadMore}>
          More
        </button>
      )}
    </section>
  );
}
