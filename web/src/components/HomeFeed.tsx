"use client";
// A person's feed: the posts of their groups, `recent` or `top`, the first page from the server.
import Link from "next/link";
import { useState } from "react";
import type { Group, Page, Post } from "@/api/types";
import { homeFeedPath } from "@/lib/paths";
import { Feed } from "./Feed";
import { OrderSwitch } from "./OrderSwitch";

export function HomeFeed({ feed, groups }: { feed: Page<Post> | undefined; groups: Group[] }) {
  const [order, setOrder] = useState("recent");
  // The server's first page holds until the order changes.
  const [first, setFirst] = useState(feed);
  const names = new Map(groups.map((group) => [group.id, group.name]));
  return (
    <div className="home">
      <div className="heading-row">
        <h1>Your feed</h1>
        <OrderSwitch
          order={order}
          onChange={(value) => {
            setFirst(undefined);
            setOrder(value);
          }}
        />
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
