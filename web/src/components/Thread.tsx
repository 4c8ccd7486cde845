"use client";
// A post's comments, depth first (each reply under its parent): reply, edit or delete your
// own, react, report, and for the moderators hide, restore and delete: each as the comment's
// `permissions` list it. A hidden comment the API still shows the viewer is marked as hidden.
// Others' new comments arrive live: the thread is read again from the API, whose rules (blocked
// authors, hidden comments, placeholders) decide what shows, and shown in place.
import { useId, useState } from "react";
import type { Comment, Page } from "@/api/types";
import { commentAbilities } from "@/lib/abilities";
import { ApiError, api } from "@/lib/api";
import { usePages } from "@/lib/hooks";
import { useLivePost } from "@/lib/live";
import { threadPath } from "@/lib/paths";
import { Attachments } from "./Attachments";
import { Composer } from "./Composer";
import { Author } from "./PostCard";
import { CommentModeration, HiddenBadge } from "./PostTools";
import { Reactions } from "./Reactions";
import { ReportButton } from "./ReportForm";
import { Empty, ErrorBox, FormErrors, Loading } from "./States";
import { Time } from "./Time";

function CommentItem({
  comment,
  postId,
  onChanged,
}: {
  comment: Comment;
  postId: number;
  onChanged: () => void;
}) {
  const id = useId();
  const [replying, setReplying] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [text, setText] = useState(comment.body);
  const [error, setError] = useState<ApiError | null>(null);
  const can = commentAbilities(comment);
  // A placeholder has no author: deleted, or hidden from this viewer.
  const gone = comment.deleted || comment.author === null;

  async function run(call: () => Promise<unknown>) {
    setError(null);
    try {
      await call();
      setEditing(false);
      setConfirming(false);
      onChanged();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    }
  }

  return (
    <li
      id={`comment-${comment.id}`}
      className="comment"
      style={{ "--depth": Math.min(Math.max((comment.depth ?? 1) - 1, 0), 6) } as React.CSSProperties}
      data-comment={comment.id}
    >
      <article aria-label={`Comment by ${comment.author?.username ?? "a deleted user"}`}>
        <p className="meta">
          <Author user={comment.author} strong /> · <Time iso={comment.created_at} />
          {comment.edited_at && <span className="muted"> · edited</span>}
          {comment.hidden && !gone && <HiddenBadge />}
        </p>
        {gone ? (
          <p className="muted">{comment.deleted ? "[deleted]" : comment.hidden ? "[hidden by a moderator]" : "[blocked]"}</p>
        ) : editing ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              run(() => api(`comments/${comment.id}/`, { method: "PATCH", body: { body: text } }));
            }}
          >
            <label htmlFor={`${id}-edit`} className="visually-hidden">
              Edit your comment
            </label>
            <textarea id={`${id}-edit`} value={text} rows={3} onChange={(e) => setText(e.target.value)} />
            <div className="actions">
              <button type="submit" className="button">
                Save
              </button>
              <button type="button" className="button secondary" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <p className="body">{comment.body}</p>
        )}
        {!gone && <Attachments items={comment.attachments} />}
        {!gone && (
          <div className="comment-actions">
            <Reactions target={comment} on="comments" canReact={can.react} />
            {can.reply && (
              <button type="button" className="link" onClick={() => setReplying((v) => !v)}>
                Reply
              </button>
            )}
            {can.edit && !editing && (
              <button type="button" className="link" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            {can.delete &&
              (confirming ? (
                <>
                  <button
                    type="button"
                    className="link danger"
                    onClick={() => run(() => api(`comments/${comment.id}/`, { method: "DELETE" }))}
                  >
                    Yes, delete
                  </button>
                  <button type="button" className="link" onClick={() => setConfirming(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="link" onClick={() => setConfirming(true)}>
                  Delete
                </button>
              ))}
            {can.report && <ReportButton comment={comment.id} />}
            <CommentModeration comment={comment} onChanged={onChanged} />
          </div>
        )}
        <FormErrors error={error} />
      </article>
      {replying && (
        <Composer<Comment>
          form={`comment:${postId}:${comment.id}`}
          path={`posts/${postId}/comments/`}
          kind="comment"
          parent={comment.id}
          autoFocus
          onCancel={() => setReplying(false)}
          onCreated={() => {
            setReplying(false);
            onChanged();
          }}
        />
      )}
    </li>
  );
}

/** The thread; `first` is its first page as the server read it (see threadPath). */
export function Thread({
  postId,
  canWrite,
  first,
}: {
  postId: number;
  canWrite: boolean;
  first?: Page<Comment>;
}) {
  const comments = usePages<Comment>(threadPath(postId), first);
  useLivePost(postId, { comment: () => comments.reread() });
  return (
    <section id="comments" aria-labelledby="comments-heading" className="thread">
      <h2 id="comments-heading">Comments</h2>
      {canWrite && (
        <Composer<Comment>
          form={`comment:${postId}`}
          path={`posts/${postId}/comments/`}
          kind="comment"
          onCreated={() => comments.reload()}
        />
      )}
      {comments.error && <ErrorBox error={comments.error} onRetry={comments.reload} />}
      {!comments.error && comments.items.length === 0 && !comments.loading && (
        <Empty>No comments yet.</Empty>
      )}
      <ol className="comments">
        {comments.items.map((comment) => (
          <CommentItem
            key={comment.id}
            comment={comment}
            postId={postId}
            onChanged={comments.reload}
          />
        ))}
      </ol>
      {comments.loading && <Loading label="Loading comments…" />}
      {!comments.done && !comments.loading && !comments.error && (
        <button type="button" className="button secondary" onClick={comments.loadMore}>
          More comments
        </button>
      )}
    </section>
  );
}
