"use client";
// A post in a list (a group, a feed, a profile), with the tools the API lists for the viewer on
// it; what they change shows at once.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { Post, UserSummary } from "@/api/types";
import { postAbilities } from "@/lib/abilities";
import { Attachments } from "./Attachments";
import { HiddenBadge, PostTools } from "./PostTools";
import { Reactions } from "./Reactions";
import { Time } from "./Time";

export function Tags({ tags }: { tags: string[] | undefined }) {
  if (!tags?.length) return null;
  return (
    <ul className="tags" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag}>#{tag}</li>
      ))}
    </ul>
  );
}

/** An author's name, linking to their profile; a deleted account's content has none. */
export function Author({ user, strong }: { user: UserSummary | null | undefined; strong?: boolean }) {
  if (!user) return <span>[deleted]</span>;
  const link = (
    <Link href={`/u/${encodeURIComponent(user.username)}`} prefetch={false}>
      {user.username}
    </Link>
  );
  return strong ? <strong>{link}</strong> : link;
}

/** A post in a list: its first lines, with a link to the whole post and its comments. */
export function PostCard({ post: first, groupName }: { post: Post; groupName?: string }) {
  const [post, setPost] = useState(first);
  const [deleted, setDeleted] = useState(false);
  useEffect(() => setPost(first), [first]);
  if (deleted) return null;
  const heading = post.title || post.body.slice(0, 80);
  return (
    <article className="card post" aria-labelledby={`post-${post.id}`} data-post={post.id}>
      <header>
        <h3 id={`post-${post.id}`}>
          <Link href={`/p/${post.id}`} prefetch={false}>
            {heading}
          </Link>
        </h3>
        <p className="meta">
          {post.hidden && <HiddenBadge />}
          {post.pinned && <span className="badge">Pinned</span>}
          {post.locked && <span className="badge">Locked</span>}
          <Author user={post.author} />
          {" · "}
          <Link href={`/g/${post.group}`} prefetch={false}>
            {groupName ?? "Group"}
          </Link>
          {" · "}
          <Time iso={post.created_at} />
        </p>
      </header>
      {post.title && <p className="body">{post.body}</p>}
      <Tags tags={post.tags} />
      <Attachments items={post.attachments} />
      <footer>
        <Reactions target={post} on="posts" canReact={postAbilities(post).react} />
        <Link href={`/p/${post.id}#comments`} className="comments-link" prefetch={false}>
          {post.comments_count} {post.comments_count === 1 ? "comment" : "comments"}
        </Link>
      </footer>
      <PostTools post={post} onChanged={setPost} onDeleted={() => setDeleted(true)} />
    </article>
  );
}
