"use client";
// Home: your personal feed when signed in, the groups directory (the landing) when not.
import Link from "next/link";
import { useState } from "react";
import type { Group, Page } from "@/api/types";
import { Feed } from "@/components/Feed";
import { GroupDirectory } from "@/components/GroupDirectory";
import { OrderSwitch } from "@/components/OrderSwitch";
import { Loading } from "@/components/States";
import { useResource } from "@/lib/hooks";
import { useSession } from "@/lib/session";


function HomeFeed() {
  const [order, setOrder] = useState("recent");
  const mine = useResource<Page<Group>>("groups/?mine=true&page_size=100");
  const names = new Map((mine.data?.results ?? []).map((group) => [group.id, group.name]));
  return (
    <div className="home">
      <div className="heading-row">
        <h1>Your feed</h1>
        <OrderSwitch order={order} onChange={setOrder} />
      </div>
      <Feed
        path={`feed/?order=${order}`}
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

export default function Home() {
  const { user, ready } = useSession();
  if (!ready) return <Loading />;
  return user ? <HomeFeed /> : <GroupDirectory />;
}
