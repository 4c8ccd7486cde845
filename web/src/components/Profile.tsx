"use client";
// A profile's lists: the person's posts (a feed on the cursor) and their comments, each linking
// to its post. The first pages come from the server.
import Link from "next/link";
import type { Comment, Page, Post } from "@/api/types";
import { usePages } from "@/lib/hooks";
import { userCommentsPath, userPostsPath } from "@/lib/paths";
import { Feed } from "./Feed";
import { Empty, ErrorBox, Loading } from "./States";
import { Time } from "./Time";

export function ProfileActivity({
  username,
  posts,
  comments,
  groupNames,
}: {
  username: string;
  posts: Page<Post> | undefined;
  comments: Page<Comment> | undefined;
  groupNames: Record<number, string>;
}) {
  const names = new Map(Object.entries(groupNames).map(([id, name]) => [Number(id), name]));
  const thread = usePages<Comment>(userCommentsPath(username), comments);
  return (
    <>
      <section aria-labelledby="posts-heading">
        <h2 id="posts-heading">Posts</h2>
        <Feed path={userPostsPath(username)} first={posts} groupNames={names} empty="No posts you can see." />
      </section>
      <section aria-labelledby="comments-heading" className="card">
        <h2 id="comments-heading">Comments</h2>
        {thread.error && <ErrorBox error={thread.error} onRetry={thread.reload} />}
        {!thread.error && !thread.loading && thread.items.length === 0 && <Empty>No comments you can see.</Empty>}
        <ul className="results">
          {thread.items.map((comment) => (
            <li key={comment.id} className="profile-comment">
              <p className="body">{comment.body}</p>
              <p className="meta">
                <Link href={`/p/${comment.post}#comments`} prefetch={false}>
                  See it in its thread
                </Link>
                {" · "}
                <Time iso={comment.created_at} />
              </p>
            </li>
          ))}
        </ul>
        {thread.loading && <Loading label="Loading comments…" />}
        {!thread.done && !thread.loading && !thread.error && (
          <button type="button" className="button secondary" onClick={thread.loadMore}>
            More comments
          </button>
        )}
      </section>
    </>
  );
}
