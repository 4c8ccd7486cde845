"use client";
// A group: about, members, join / leave / request to join, its pinned posts and its feed.
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import type { Group, JoinOutcome, Page, Post } from "@/api/types";
import { Composer } from "@/components/Composer";
import { Feed } from "@/components/Feed";
import { OrderSwitch } from "@/components/OrderSwitch";
import { PostCard, Tags } from "@/components/PostCard";
import { Failure, FormErrors, Loading, NotFoundView } from "@/components/States";
import { ApiError, api } from "@/lib/api";
import { useResource } from "@/lib/hooks";
import { useSession } from "@/lib/session";

const MODERATORS = new Set(["owner", "admin", "moderator"]);

function Membership({ group, onChange }: { group: Group; onChange: () => void }) {
  const { user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const role = (group.membership as { role?: string } | null)?.role;

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
      onChange();
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
          {role !== "owner" && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => act("leave")}>
              Leave group
            </button>
          )}
        </>
      ) : group.join_request_pending ? (
        <span className="badge">Your request to join is waiting for a moderator</span>
      ) : (
        <button type="button" className="button" disabled={busy} onClick={() => act("join")}>
          {group.visibility === "public" || group.invited ? "Join group" : "Ask to join"}
        </button>
      )}
      <FormErrors error={error} />
    </div>
  );
}

function GroupPosts({ group, member }: { group: Group; member: boolean }) {
  const [order, setOrder] = useState("top");
  const [created, setCreated] = useState<Post[]>([]);
  const first = useResource<Page<Post>>(`groups/${group.id}/posts/?page_size=20`);
  const pinned = (first.data?.results ?? []).filter((post) => post.pinned);
  const names = new Map([[group.id, group.name]]);
  return (
    <>
      {member && (
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
          <OrderSwitch order={order} onChange={setOrder} />
        </div>
        <Feed
          path={`groups/${group.id}/feed/?order=${order}`}
          exclude={new Set(pinned.map((post) => post.id))}
          created={created}
          groupNames={names}
          empty="No posts yet."
        />
      </section>
    </>
  );
}

export default function GroupPage() {
  const { id } = useParams<{ id: string }>();
  const valid = /^\d+$/.test(id);
  const group = useResource<Group>(valid ? `groups/${id}/` : null);
  if (!valid) return <NotFoundView />;
  if (group.error) return <Failure error={group.error} onRetry={group.reload} />;
  if (!group.data) return <Loading label="Loading the group…" />;
  const data = group.data;
  const role = (data.membership as { role?: string } | null)?.role;
  const member = Boolean(role);
  const canRead = member || data.visibility === "public";
  return (
    <div className="group-page">
      <section className="card about" aria-labelledby="group-name">
        <h1 id="group-name">{data.name}</h1>
        <p className="meta">
          <span className="badge">{data.visibility}</span>
          {data.member_count != null && (
            <span>
              {data.member_count} {data.member_count === 1 ? "member" : "members"}
            </span>
          )}
        </p>
        {data.description && <p>{data.description}</p>}
        <Tags tags={data.tags} />
        <Membership group={data} onChange={group.reload} />
        {role && MODERATORS.has(role) && (
          <p>
            <Link href={`/g/${data.id}/moderation`}>Reports and moderation log</Link>
          </p>
        )}
      </section>
      {canRead ? (
        <GroupPosts key={`${data.id}:${role ?? ""}`} group={data} member={member} />
      ) : (
        <p className="state">This group is private: only its members see its posts.</p>
      )}
    </div>
  );
}
