"use client";
// A post on its page: its text, tags, attachments and reactions, with live counts (the post is
// read again every few seconds while the page is in view). The first copy comes from the server.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { Post } from "@/api/types";
import { api } from "@/lib/api";
import { useSession } from "@/lib/session";
import { Attachments } from "./Attachments";
import { Tags } from "./PostCard";
import { Reactions } from "./Reactions";
import { ReportButton } from "./ReportForm";
import { Time } from "./Time";

const REFRESH_MS = 10_000;

export function PostView({
  first,
  groupName,
  canReact,
}: {
  first: Post;
  groupName: string;
  canReact: boolean;
}) {
  const { user } = useSession();
  const [post, setPost] = useState(first);
  useEffect(() => setPost(first), [first]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== "visible") return;
      api<Post>(`posts/${first.id}/`).then(setPost, () => undefined);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [first.id]);
  const own = user !== null && post.author?.id === user.id;
  return (
    <article className="card post" aria-labelledby="post-title" data-post={post.id}>
      <p className="meta">
        <Link href={`/g/${post.group}`}>{groupName}</Link>
        {" · "}
        {post.author?.username ?? "[deleted]"} · <Time iso={post.created_at} />
        {post.edited_at && <span className="muted"> · edited</span>}
      </p>
      <h1 id="post-title">{post.title || post.body.slice(0, 80)}</h1>
      {post.hidden && <span className="badge">Hidden by a moderator</span>}
      {post.pinned && <span className="badge">Pinned</span>}
      {post.locked && <span className="badge">Locked: no new comments</span>}
      <p className="body">{post.body}</p>
      <Tags tags={post.tags} />
      <Attachments items={post.attachments} />
      <footer>
        <Reactions target={post} on="posts" canReact={canReact && post.permissions.includes("react")} />
        {user && !own && <ReportButton post={post.id} />}
      </footer>
    </article>
  );
}
