"use client";
// The interactive parts of a group's page: join, leave or ask to join, and its posts (pinned,
// the feed with its order switch and later pages, the composer); a banned person is told so
// instead of being offered to join. Their first data comes from
// the server; after a join or a leave the page is read again.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Group, JoinOutcome, Page, Post } from "@/api/types";
import type { GroupAbilities } from "@/lib/abilities";
import { membershipRole } from "@/lib/abilities";
import { ApiError, api } from "@/lib/api";
import { groupFeedPath } from "@/lib/paths";
import { useSession } from "@/lib/session";
import { Composer } from "./Composer";
import { Feed } from "./Feed";
import { OrderSwitch } from "./OrderSwitch";
import { PostCard } from "./PostCard";
import { FormErrors } from "./States";
import { Time } from "./Time";

export function Membership({ group, can }: { group: Group; can: GroupAbilities }) {
  const { user } = useSession();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const role = membershipRole(group);

  if (!user)
    return (
      <p>
        <Link href="/signin">Sign in</Link> to join this group.
      </p>
    );

  async function act(action: "join" | "leave") {
    setBusy(true);
    setError(null);
    try {
      await api<JoinOutcome | null>(`groups/${group.id}/${action}/`, {
        method: "POST",
        idempotencyKey: action === "join" ? crypto.randomUUID() : undefined,
      });
      router.refresh();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="membership">
      {role ? (
        <>
          <span className="badge ok">You are {role === "member" ? "a member" : `the ${role}`}</span>
          {can.leave && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => act("leave")}>
              Leave group
            </button>
          )}
        </>
      ) : group.banned ? (
        <p className="notice" role="status">
          You are banned from this group{group.banned.reason ? `: ${group.banned.reason}` : ""}.{" "}
          {group.banned.expires_at ? (
            <>
              The ban ends <Time iso={group.banned.expires_at} />.
            </>
          ) : (
            "It lasts until a moderator lifts it."
          )}
        </p>
      ) : group.join_request_pending ? (
        <span className="badge">Your request to join is waiting for a moderator</span>
      ) : (
        <>
          {group.invited && <span className="badge ok">You are invited to join</span>}
          <button type="button" className="button" disabled={busy} onClick={() => act("join")}>
            {can.joinsAtOnce ? "Join group" : "Ask to join"}
          </button>
        </>
      )}
      <FormErrors error={error} />
    </div>
  );
}

export function GroupPosts({
  group,
  can,
  posts,
  feed,
}: {
  group: Group;
  can: GroupAbilities;
  /** The first page of the group's posts (groupPostsPath), for the pinned ones. */
  posts: Page<Post> | undefined;
  /** The first page of groupFeedPath(id, "top"). */
  feed: Page<Post> | undefined;
}) {
  const [order, setOrder] = useState("top");
  // The server's first page holds until the order changes; then each order is read here.
  const [first, setFirst] = useState(feed);
  const [created, setCreated] = useState<Post[]>([]);
  const pinned = (posts?.results ?? []).filter((post) => post.pinned);
  const names = new Map([[group.id, group.name]]);
  return (
    <>
      {can.post && (
        <section aria-labelledby="compose-heading" className="card">
          <h2 id="compose-heading">New post</h2>
          <Composer<Post>
            form={`post:${group.id}`}
            path={`groups/${group.id}/posts/`}
            kind="post"
            onCreated={(post) => setCreated((old) => [post, ...old])}
          />
        </section>
      )}
      {pinned.length > 0 && (
        <section aria-labelledby="pinned-heading">
          <h2 id="pinned-heading">Pinned</h2>
          {pinned.map((post) => (
            <PostCard key={post.id} post={post} groupName={group.name} />
          ))}
        </section>
      )}
      <section aria-labelledby="feed-heading">
        <div className="heading-row">
          <h2 id="feed-heading">Posts</h2>
          <OrderSwitch
            order={order}
            onChange={(value) => {
              setFirst(undefined);
              setOrder(value);
            }}
          />
        </div>
        <Feed
          path={groupFeedPath(group.id, order)}
          first={first}
          exclude={new Set(pinned.map((post) => post.id))}
          created={created}
          groupNames={names}
          empty="No posts yet."
        />
      </section>
    </>
  );
}
