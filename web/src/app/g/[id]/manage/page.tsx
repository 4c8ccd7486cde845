// A group's Manage page: its members and roles, join requests, invitations, sign-up links, bans
// and settings, each section shown exactly when the group's `permissions` allow it, the first
// page of each list read at once on the server as the visitor (later pages in the browser). A
// group the API does not show them is a 404; one they may manage nothing of, a 403.
import type { Metadata } from "next";
import Link from "next/link";
import { forbidden, notFound } from "next/navigation";
import type { Group, Page } from "@/api/types";
import { FailedRead } from "@/components/FailedRead";
import { Bans, Invitations, JoinRequests, Members, Settings, SignupInvitations } from "@/components/Manage";
import type { Ban, Invitation, JoinRequest, Member, SignupInvitation } from "@/api/types";
import { groupMay, mayManage, mayModerate } from "@/lib/abilities";
import { manageListPath } from "@/lib/paths";
import { type Read, read, subject, viewer } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Manage" };

/** A list's first page in its section, or its failure shown in place. */
function list<T>(answer: Read<Page<T>>, section: (first: Page<T>) => React.ReactElement): React.ReactElement {
  return answer.ok ? section(answer.data) : <FailedRead status={answer.status} body={answer.body} />;
}

export default async function ManagePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const groupId = Number(id);
  const [group, members, requests, invitations, signupInvitations, bans, me] = await Promise.all([
    read<Group>(`groups/${groupId}/`),
    read<Page<Member>>(manageListPath(groupId, "members")),
    read<Page<JoinRequest>>(manageListPath(groupId, "join-requests")),
    read<Page<Invitation>>(manageListPath(groupId, "invitations")),
    read<Page<SignupInvitation>>(manageListPath(groupId, "signup-invitations")),
    read<Page<Ban>>(manageListPath(groupId, "bans")),
    viewer(),
  ]);
  const data = subject(group);
  if (!mayManage(data)) forbidden();
  const may = (action: Parameters<typeof groupMay>[1]) => groupMay(data, action);
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
      {may("decide_join_requests") && list(requests, (first) => <JoinRequests groupId={data.id} first={first} />)}
      {(may("change_roles") || may("remove_members")) &&
        list(members, (first) => (
          <Members
            groupId={data.id}
            first={first}
            viewerId={me?.id ?? null}
            change={may("change_roles")}
            remove={may("remove_members")}
          />
        ))}
      {may("manage_invitations") && list(invitations, (first) => <Invitations groupId={data.id} first={first} />)}
      {may("invite_to_sign_up") &&
        list(signupInvitations, (first) => <SignupInvitations groupId={data.id} first={first} />)}
      {may("manage_bans") && list(bans, (first) => <Bans groupId={data.id} first={first} />)}
      {(may("update_group") || may("archive_group")) && (
        <Settings group={data} update={may("update_group")} archive={may("archive_group")} />
      )}
    </div>
  );
}
