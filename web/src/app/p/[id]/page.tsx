"use client";
// A post: its text, tags, attachments and reactions, and its threaded comments.
import Link from "next/link";
import { useParams } from "next/navigation";
import { useEffect } from "react";
import type { Group, Post } from "@/api/types";
import { Attachments } from "@/components/Attachments";
import { Tags } from "@/components/PostCard";
import { Reactions } from "@/components/Reactions";
import { ReportButton } from "@/components/ReportForm";
import { Failure, Loading, NotFoundView } from "@/components/States";
import { Thread } from "@/components/Thread";
import { Time } from "@/components/Time";
import { useResource } from "@/lib/hooks";
import { useSession } from "@/lib/session";

const REFRESH_MS = 10_000;

export default function PostPage() {
  const { id } = useParams<{ id: string }>();
  const { user } = useSession();
  const valid = /^\d+$/.test(id);
  const post = useResource<Post>(valid ? `posts/${id}/` : null);
  const group = useResource<Group>(post.data ? `groups/${post.data.group}/` : null);
  const { reload } = post;
  // Live counts: the post is read again every few seconds while the page is in view.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  if (!valid) return <NotFoundView />;
  if (post.error) return <Failure error={post.error} onRetry={post.reload} />;
  if (!post.data) return <Loading label="Loading the post…" />;
  const data = post.data;
  const member = Boolean(group.data?.membership);
  const own = user !== null && data.author?.id === user.id;
  return (
    <div className="post-page">
      <article className="card post" aria-labelledby="post-title" data-post={data.id}>
        <p className="meta">
          <Link href={`/g/${data.group}`}>{group.data?.name ?? "Group"}</Link>
          {" · "}
          {data.author?.username ?? "[deleted]"} · <Time iso={data.created_at} />
          {data.edited_at && <span className="muted"> · edited</span>}
        </p>
        <h1 id="post-title">{data.title || data.body.slice(0, 80)}</h1>
        {data.pinned && <span className="badge">Pinned</span>}
        {data.locked && <span className="badge">Locked: no new comments</span>}
        <p className="body">{data.body}</p>
        <Tags tags={data.tags} />
        <Attachments items={data.attachments} />
        <footer>
          <Reactions target={data} on="posts" canReact={member && !data.locked} />
          {user && !own && <ReportButton post={data.id} />}
        </footer>
      </article>
      <Thread postId={data.id} canWrite={member && !data.locked} />
    </div>
  );
}
