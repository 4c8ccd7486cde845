"use client";
// A post on its page: its text, tags, attachments and reactions, with live counts (the stream's
// `post` events, lib/live.tsx), and the tools the API lists for the viewer: editing their own
// post, pinning, locking, hiding, restoring, deleting. The first copy comes from the server.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import type { Post } from "@/api/types";
import { postAbilities } from "@/lib/abilities";
import { ApiError, api } from "@/lib/api";
import { useLivePost } from "@/lib/live";
import { Attachments } from "./Attachments";
import { parseTags } from "./Composer";
import { Author, Tags } from "./PostCard";
import { HiddenBadge, PostTools } from "./PostTools";
import { Reactions } from "./Reactions";
import { ReportButton } from "./ReportForm";
import { FormErrors } from "./States";
import { Time } from "./Time";

function EditPost({ post, onSaved, onCancel }: { post: Post; onSaved: (post: Post) => void; onCancel: () => void }) {
  const id = useId();
  const [title, setTitle] = useState(post.title);
  const [body, setBody] = useState(post.body);
  const [tags, setTags] = useState(post.tags.join(", "));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(
        await api<Post>(`posts/${post.id}/`, { method: "PATCH", body: { title, body, tags: parseTags(tags) } }),
      );
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} aria-label="Edit your post">
      <div className="field">
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-body`}>Text</label>
        <textarea id={`${id}-body`} value={body} rows={6} required onChange={(e) => setBody(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-tags`}>Tags (separated by commas or spaces)</label>
        <input id={`${id}-tags`} value={tags} onChange={(e) => setTags(e.target.value)} />
      </div>
      <FormErrors error={error} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Save post
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function PostView({
  first,
  groupName,
  canReact,
}: {
  first: Post;
  groupName: string;
  canReact: boolean;
}) {
  const router = useRouter();
  const [post, setPost] = useState(first);
  const [editing, setEditing] = useState(false);
  useEffect(() => setPost(first), [first]);
  // Others' reactions and comments: the counts only (the viewer's own reactions stay theirs).
  useLivePost(first.id, {
    post: ({ comments_count, reactions_count, reaction_counts }) =>
      setPost((shown) => ({ ...shown, comments_count, reactions_count, reaction_counts })),
  });
  const can = postAbilities(post);
  const changed = (next: Post) => {
    setPost(next);
    setEditing(false);
    router.refresh();
  };
  return (
    <article className="card post" aria-labelledby="post-title" data-post={post.id}>
      <p className="meta">
        <Link href={`/g/${post.group}`}>{groupName}</Link>
        {" · "}
        <Author user={post.author} /> · <Time iso={post.created_at} />
        {post.edited_at && <span className="muted"> · edited</span>}
      </p>
      <h1 id="post-title">{post.title || post.body.slice(0, 80)}</h1>
      {(post.hidden || post.pinned || post.locked) && (
        <p className="meta">
          {post.hidden && <HiddenBadge />}
          {post.pinned && <span className="badge">Pinned</span>}
          {post.locked && <span className="badge">Locked: no new comments</span>}
        </p>
      )}
      {editing ? (
        <EditPost post={post} onSaved={changed} onCancel={() => setEditing(false)} />
      ) : (
        <>
          <p className="body">{post.body}</p>
          <Tags tags={post.tags} />
        </>
      )}
      <Attachments items={post.attachments} />
      <footer>
        <Reactions target={post} on="posts" canReact={canReact && can.react} />
        {can.edit && !editing && (
          <button type="button" className="link" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {can.report && <ReportButton post={post.id} />}
      </footer>
      <PostTools
        post={post}
        onChanged={changed}
        onDeleted={() => {
          router.push(`/g/${post.group}`);
          router.refresh();
        }}
      />
    </article>
  );
}
