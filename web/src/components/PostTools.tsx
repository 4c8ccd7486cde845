"use client";
// The tools the API lists for the viewer on a post or a comment: pin and unpin, lock and
// unlock, hide and restore with a reason, delete after a confirmation. Each shows only when
// the content's `permissions` name it (lib/abilities.ts), and hands back what the API answered.
import { useId, useState } from "react";
import type { Comment, Post } from "@/api/types";
import { commentAbilities, postAbilities } from "@/lib/abilities";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "./States";

/** A button that opens a small form asking why, then sends `{reason}`. */
function WithReason({
  label,
  verb,
  onSend,
  disabled,
}: {
  label: string;
  verb: string;
  /** Whether it went through; on a refusal the form stays open beside it. */
  onSend: (reason: string) => Promise<boolean>;
  disabled: boolean;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  if (!open)
    return (
      <button type="button" className="link" disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  return (
    <form
      className="reason-form"
      aria-label={label}
      onSubmit={async (event) => {
        event.preventDefault();
        if (await onSend(reason)) setOpen(false);
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why? (optional, for the moderation log)</label>
        <input id={`${id}-reason`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" className="button" disabled={disabled}>
          {verb}
        </button>
        <button type="button" className="button secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ConfirmDelete({ onConfirm, disabled }: { onConfirm: () => void; disabled: boolean }) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button type="button" className="link" disabled={disabled} onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label="Delete for good?">
      <button type="button" className="link danger" disabled={disabled} onClick={onConfirm}>
        Yes, delete
      </button>
      <button type="button" className="link" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}

/** Runs one write at a time and keeps its refusal in words. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function run<T>(call: () => Promise<T>, then: (answer: T) => void): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      then(await call());
      return true;
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run };
}

export function PostTools({
  post,
  onChanged,
  onDeleted,
}: {
  post: Post;
  onChanged: (post: Post) => void;
  onDeleted: () => void;
}) {
  const can = postAbilities(post);
  const { busy, error, run } = useAction();
  const send = (action: string, body?: unknown) =>
    run(() => api<Post>(`posts/${post.id}/${action}/`, { method: "POST", body }), onChanged);
  if (!(can.pin || can.unpin || can.lock || can.unlock || can.hide || can.restore || can.delete)) return null;
  return (
    <div className="tools" role="group" aria-label="Manage this post">
      {can.pin && (
        <button type="button" className="link" disabled={busy} onClick={() => send("pin")}>
          Pin
        </button>
      )}
      {can.unpin && (
        <button type="button" className="link" disabled={busy} onClick={() => send("unpin")}>
          Unpin
        </button>
      )}
      {can.lock && (
        <button type="button" className="link" disabled={busy} onClick={() => send("lock")}>
          Lock
        </button>
      )}
      {can.unlock && (
        <button type="button" className="link" disabled={busy} onClick={() => send("unlock")}>
          Unlock
        </button>
      )}
      {can.hide && (
        <WithReason label="Hide" verb="Hide post" disabled={busy} onSend={(reason) => send("hide", { reason })} />
      )}
      {can.restore && (
        <WithReason
          label="Restore"
          verb="Restore post"
          disabled={busy}
          onSend={(reason) => send("restore", { reason })}
        />
      )}
      {can.delete && (
        <ConfirmDelete
          disabled={busy}
          onConfirm={() => run(() => api(`posts/${post.id}/`, { method: "DELETE" }), onDeleted)}
        />
      )}
      <FormErrors error={error} />
    </div>
  );
}

/** A comment's moderation: hide and restore with a reason (its own edit and delete are the thread's). */
export function CommentModeration({ comment, onChanged }: { comment: Comment; onChanged: () => void }) {
  const can = commentAbilities(comment);
  const { busy, error, run } = useAction();
  const send = (action: "hide" | "restore", reason: string) =>
    run(() => api(`comments/${comment.id}/${action}/`, { method: "POST", body: { reason } }), onChanged);
  if (!can.hide && !can.restore) return null;
  return (
    <>
      {can.hide && (
        <WithReason label="Hide" verb="Hide comment" disabled={busy} onSend={(reason) => send("hide", reason)} />
      )}
      {can.restore && (
        <WithReason
          label="Restore"
          verb="Restore comment"
          disabled={busy}
          onSend={(reason) => send("restore", reason)}
        />
      )}
      <FormErrors error={error} />
    </>
  );
}

/** What the hub shows of a post's or a comment's hidden state, to whoever the API shows it. */
export function HiddenBadge() {
  return <span className="badge warn">Hidden: only the group's moderators see it</span>;
}
