// For a group's moderators: its open reports and its log, read on the server as the visitor. A
// group the API does not show them is a 404; its reports refused to them, a 403.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Group, ModerationLogEntry, Page, Report } from "@/api/types";
import { FailedRead } from "@/components/FailedRead";
import { Moderation } from "@/components/Moderation";
import { logPath, reportsPath } from "@/lib/paths";
import { read, subject } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Moderation" };

export default async function ModerationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const groupId = Number(id);
  const [group, reports, log] = await Promise.all([
    read<Group>(`groups/${groupId}/`),
    read<Page<Report>>(reportsPath(groupId)),
    read<Page<ModerationLogEntry>>(logPath(groupId)),
  ]);
  const answer = subject(group);
  const open = subject(reports);
  if (!answer.ok) return <FailedRead status={answer.status} body={answer.body} />;
  if (!open.ok) return <FailedRead status={open.status} body={open.body} />;
  return (
    <div className="moderation">
      <h1>
        Moderation: <Link href={`/g/${answer.data.id}`}>{answer.data.name}</Link>
      </h1>
      <Moderation groupId={answer.data.id} reports={open.data} log={log.ok ? log.data : undefined} />
    </div>
  );
}
