import Link from "next/link";
import type { Post } from "@/api/types";
import { Attachments } from "./Attachments";
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

/** A post in a list: its first lines, with a link to the whole post and its comments. */
export function PostCard({ post, groupName }: { post: Post; groupName?: string }) {
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
          {post.pinned && <span className="badge">Pinned</span>}
          {post.locked && <span className="badge">Locked</span>}
          <span>{post.author?.username ?? "[deleted]"}</span>
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
        <Reactions target={post} on="posts" canReact={!post.locked} />
        <Link href={`/p/${post.id}#comments`} className="comments-link" prefetch={false}>
          {post.comments_count} {post.comments_count === 1 ? "comment" : "comments"}
        </Link>
      </footer>
    </article>
  );
}
