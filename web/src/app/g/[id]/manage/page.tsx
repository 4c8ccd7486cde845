// A group's Manage page: its members and roles, join requests, invitations, bans and settings,
// each section shown exactly when the group's `permissions` allow it, all read at once on the
// server as the visitor. A group the API does not show them is a 404; one they may manage
// nothing of, a 403.
import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, notFound } from "next/navigation";
import type { Group, Page } from "@/api/types";
import { FailedRead } from "@/components/FailedRead";
import { Bans, Invitations, JoinRequests, Members, Settings } from "@/components/Manage";
import type { Ban, Invitation, JoinRequest, Member } from "@/api/types";
import { groupMay, mayManage, mayModerate } from "@/lib/abilities";
import { type Read, read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Manage" };

/** A list's rows, or its failure shown in place. */
function rows<T>(answer: Read<Page<T>>): T[] | React.ReactElement {
  return answer.ok ? answer.data.results : <FailedRead status={answer.status} body={answer.body} />;
}

export default async function ManagePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const groupId = Number(id);
  const [group, members, requests, invitations, bans, me] = await Promise.all([
    read<Group>(`groups/${groupId}/`),
    read<Page<Member>>(`groups/${groupId}/members/?page_size=100`),
    read<Page<JoinRequest>>(`groups/${groupId}/join-requests/?page_size=100`),
    read<Page<Invitation>>(`groups/${groupId}/invitations/?page_size=100`),
    read<Page<Ban>>(`groups/${groupId}/bans/?page_size=100`),
    viewer(),
  ]);
  const data = subject(group);
  if (!mayManage(data)) forbidden();
  const may = (action: Parameters<typeof groupMay>[1]) => groupMay(data, action);
  const memberRows = rows(members);
  const requestRows = rows(requests);
  const invitationRows = rows(invitations);
  const banRows = rows(bans);
  return (
    <div className="manage">
      <h1>
        Manage: <Link href={`/g/${data.id}`}>{data.name}</Link>
      </h1>
      {mayModerate(data) && (
        <p>
          <Link href={`/g/${data.id}/moderation`}>Reports and moderation log</Link>
        </p>
      )}
      {may("decide_join_requests") &&
        (Array.isArray(requestRows) ? <JoinRequests groupId={data.id} requests={requestRows} /> : requestRows)}
      {(may("change_roles") || may("remove_members")) &&
        (Array.isArray(memberRows) ? (
          <Members
            groupId={data.id}
            members={memberRows}
            viewerId={me?.id ?? null}
            change={may("change_roles")}
            remove={may("remove_members")}
          />
        ) : (
          memberRows
        ))}
      {may("manage_invitations") &&
        (Array.isArray(invitationRows) ? <Invitations groupId={data.id} invitations={invitationRows} /> : invitationRows)}
      {may("manage_bans") && (Array.isArray(banRows) ? <Bans groupId={data.id} bans={banRows} /> : banRows)}
      {(may("update_group") || may("archive_group")) && (
        <Settings group={data} update={may("update_group")} archive={may("archive_group")} />
      )}
    </div>
  );
}
