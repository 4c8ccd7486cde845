"use client";
// Block or mute a person from their profile, after a sentence that says what it does; undo it.
// Where it stands is the profile's `viewer_block`, then the API's answer. A block changes what
// the page lists, so the page is read again after each change.
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Block, BlockKind } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "./States";

function consequence(kind: BlockKind, name: string): string {
  return kind === "mute"
    ? `Mute ${name}? Nothing ${name} does will notify you; you still see their posts and comments. They are not told.`
    : `Block ${name}? Nothing ${name} does will notify you, and their posts and comments are left out of your feeds, threads and search. They are not told.`;
}

export function BlockSwitch({ username, initial }: { username: string; initial: BlockKind | null }) {
  const router = useRouter();
  const [kind, setKind] = useState<BlockKind | null>(initial);
  const [asking, setAsking] = useState<BlockKind | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function run(call: () => Promise<BlockKind | null>) {
    setBusy(true);
    setError(null);
    try {
      setKind(await call());
      setAsking(null);
      router.refresh();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  const set = (wanted: BlockKind) =>
    run(async () => {
      const block = await api<Block>("blocks/", {
        method: "POST",
        body: { username, kind: wanted },
        idempotencyKey: crypto.randomUUID(),
      });
      return block.kind;
    });
  const undo = () =>
    run(async () => {
      await api(`blocks/${encodeURIComponent(username)}/`, { method: "DELETE" });
      return null;
    });

  return (
    <div className="block-switch">
      {kind && (
        <p role="status">
          {kind === "block"
            ? `You block ${username}: their posts and comments are left out of what you read, and nothing they do notifies you.`
            : `You mute ${username}: nothing they do notifies you.`}
        </p>
      )}
      {asking ? (
        <div className="card">
          <p>{consequence(asking, username)}</p>
          <div className="actions">
            <button type="button" className="button danger" disabled={busy} onClick={() => set(asking)}>
              {asking === "mute" ? `Yes, mute ${username}` : `Yes, block ${username}`}
            </button>
            <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          {kind === "block" && (
            <button type="button" className="button secondary" disabled={busy} onClick={undo}>
              Unblock
            </button>
          )}
          {kind === "mute" && (
            <button type="button" className="button secondary" disabled={busy} onClick={undo}>
              Unmute
            </button>
          )}
          {kind === null && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking("mute")}>
              Mute
            </button>
          )}
          {kind !== "block" && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking("block")}>
              Block
            </button>
          )}
        </div>
      )}
      <FormErrors error={error} />
    </div>
  );
}
