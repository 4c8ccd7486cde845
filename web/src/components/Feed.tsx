"use client";
// A feed of posts on the cursor: the next page loads as its end scrolls into view (and from a
// button, for keyboards and for when the observer is not there).
import { useEffect, useRef } from "react";
import type { Page, Post } from "@/api/types";
import { usePages } from "@/lib/hooks";
import { PostCard } from "./PostCard";
import { Empty, ErrorBox, Loading } from "./States";

export function Feed({
  path,
  empty,
  exclude,
  groupNames,
  created,
  first,
}: {
  path: string;
  /** The first page of `path` as the server read it. */
  first?: Page<Post>;
  empty: React.ReactNode;
  exclude?: Set<number>;
  groupNames?: Map<number, string>;
  created?: Post[];
}) {
  const pages = usePages<Post>(path, first);
  const end = useRef<HTMLDivElement>(null);
  const { loadMore, done, loading, error } = pages;

  useEffect(() => {
    const target = end.current;
    if (!target || done || loading || error || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [loadMore, done, loading, error]);

  const seen = new Set(exclude);
  const posts = [...(created ?? []), ...pages.items].filter((post) => {
    if (seen.has(post.id)) return false;
    seen.add(post.id);
    return true;
  });

  return (
    <div className="feed">
      {posts.map((post) => (
        <PostCard key={post.id} post={post} groupName={groupNames?.get(post.group)} />
      ))}
      {error && <ErrorBox error={error} onRetry={pages.reload} />}
      {!error && !loading && posts.length === 0 && <Empty>{empty}</Empty>}
      {loading && <Loading label="Loading posts…" />}
      <div ref={end} />
      {!done && !loading && !error && (
        <button type="button" className="button secondary" onClick={loadMore}>
          Load more
        </button>
      )}
    </div>
  );
}
