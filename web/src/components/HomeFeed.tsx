"use client";
// A person's feed: the posts of their groups, `recent` or `top`, the first page from the server;
// new posts since the page was read (the stream's `feed` events) are counted on a button that
// reads the feed again.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import type { Group, Page, Post } from "@/api/types";
import { useLiveEvent } from "@/lib/live";
import { homeFeedPath } from "@/lib/paths";
import { pendingPosts, pillText } from "@/lib/stream";
import { Feed } from "./Feed";
import { OrderSwitch } from "./OrderSwitch";

export function HomeFeed({ feed, groups }: { feed: Page<Post> | undefined; groups: Group[] }) {
  const router = useRouter();
  const [order, setOrder] = useState("recent");
  // The server's first page holds until the order changes, or the page is read again.
  const [first, setFirst] = useState(feed);
  const [read, setRead] = useState(feed);
  const [pending, setPending] = useState<number[]>([]);
  const heading = useRef<HTMLHeadingElement>(null);
  if (feed !== read) {
    // The page was read again (the pill, a catch-up): its first page has the new posts.
    setRead(feed);
    setPending([]);
    if (order === "recent") setFirst(feed);
  }
  const names = new Map(groups.map((group) => [group.id, group.name]));
  useLiveEvent("feed", ({ post_id }) => {
    const shown = new Set(first?.results.map((post) => post.id));
    setPending((posts) => pendingPosts(posts, post_id, shown));
  });

  function showNew() {
    setPending([]);
    if (order === "recent") {
      router.refresh();
    } else {
      setFirst(undefined); // the recent feed, read by the client: the server's page is of `top`
      setOrder("recent");
    }
    heading.current?.focus(); // the button goes: the reader goes on from the top of the feed
  }

  return (
    <div className="home">
      <div className="heading-row">
        <h1 ref={heading} tabIndex={-1}>
          Your feed
        </h1>
        <OrderSwitch
          order={order}
          onChange={(value) => {
            setFirst(undefined);
            setOrder(value);
          }}
        />
      </div>
      <div className="new-posts" aria-live="polite">
        {pending.length > 0 && (
          <button type="button" className="button pill" onClick={showNew}>
            {pillText(pending.length)}
          </button>
        )}
      </div>
      <Feed
        path={homeFeedPath(order)}
        first={first}
        groupNames={names}
        empty={
          <>
            Nothing here yet. <Link href="/groups">Join a group</Link> to see its posts.
          </>
        }
      />
    </div>
  );
}
