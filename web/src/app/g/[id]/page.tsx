// A group: about, members, join / leave / ask to join, its pinned posts and its feed, read on
// the server as the visitor, all at once. A group the API does not show them is this page's
// 404; what they may do in it, reading its posts included, is what the API says (lib/abilities.ts).
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Group, GroupLevel, Page, Post } from "@/api/types";
import { FailedRead } from "@/components/FailedRead";
import { GroupPosts, Membership } from "@/components/GroupView";
import { GroupLevelSwitch } from "@/components/LevelSwitch";
import { Tags } from "@/components/PostCard";
import { groupAbilities, mayManage, mayModerate, membershipRole } from "@/lib/abilities";
import { groupFeedPath, groupPostsPath } from "@/lib/paths";
import { read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  const group = /^\d+$/.test(id) ? await read<Group>(`groups/${id}/`) : null;
  return group?.ok ? { title: group.data.name } : {};
}

export default async function GroupPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const groupId = Number(id);
  const [group, posts, feed, level] = await Promise.all([
    read<Group>(`groups/${groupId}/`),
    read<Page<Post>>(groupPostsPath(groupId)),
    read<Page<Post>>(groupFeedPath(groupId, "top")),
    // your level, when you are signed in: the API answers it to whoever may read the group
    viewer().then((user) => (user ? read<GroupLevel>(`groups/${groupId}/notification-level/`) : null)),
  ]);
  const data = subject(group);
  const can = groupAbilities(data);
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
        {data.visibility === "secret" && (
          <p className="muted">This group is secret: only its members and the people it invites can find it.</p>
        )}
        {data.description && <p>{data.description}</p>}
        <Tags tags={data.tags} />
        <Membership group={data} can={can} />
        {level?.ok && <GroupLevelSwitch key={level.data.level} groupId={data.id} initial={level.data.level} />}
        {(mayManage(data) || can.moderate) && (
          <ul className="group-tools">
            {mayManage(data) && (
              <li>
                <Link href={`/g/${data.id}/manage`}>Manage</Link>
              </li>
            )}
            {can.moderate && (
              <li>
                <Link href={`/g/${data.id}/moderation`}>Reports and moderation log</Link>
              </li>
            )}
          </ul>
        )}
      </section>
      {!can.read ? (
        <p className="state">This group is {data.visibility}: only its members see its posts.</p>
      ) : feed.ok ? (
        <GroupPosts
          key={membershipRole(data) ?? ""}
          group={data}
          can={can}
          posts={posts.ok ? posts.data : undefined}
          feed={feed.data}
        />
      ) : (
        <FailedRead status={feed.status} body={feed.body} />
      )}
    </div>
  );
}
