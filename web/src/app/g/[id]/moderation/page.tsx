// For a group's moderators: its reports (open, or closed ones with `?status=resolved|dismissed`)
// with the reported content, and its log in sentences, read on the server as the visitor. A
// group the API does not show them is a 404; its reports refused to them, a 403.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { Comment, Group, ModerationLogEntry, Page, Post, Report } from "@/api/types";
import { Moderation } from "@/components/Moderation";
import { mayManage } from "@/lib/abilities";
import type { ContentSummary } from "@/lib/logSentence";
import { logPath, reportsPath } from "@/lib/paths";
import { read, subject } from "@/lib/server";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Moderation" };

const STATUSES = ["open", "resolved", "dismissed"] as const;

/** The posts and comments the reports and the log point at, as the moderator may read them. */
async function contentOf(reports: Report[], log: ModerationLogEntry[]): Promise<Record<string, ContentSummary>> {
  const comments = new Set<number>();
  const posts = new Set<number>();
  for (const item of [...reports, ...log]) {
    if (item.comment != null) comments.add(item.comment);
    else if (item.post != null) posts.add(item.post);
  }
  const [postAnswers, commentAnswers] = await Promise.all([
    Promise.all([...posts].map((id) => read<Post>(`posts/${id}/`))),
    Promise.all([...comments].map((id) => read<Comment>(`comments/${id}/`))),
  ]);
  const content: Record<string, ContentSummary> = {};
  for (const answer of postAnswers) {
    if (!answer.ok) continue;
    const post = answer.data;
    content[`post:${post.id}`] = {
      kind: "post",
      id: post.id,
      postId: post.id,
      text: post.title || post.body,
      body: post.title ? post.body : "",
      author: post.author?.username ?? null,
      hidden: Boolean(post.hidden),
    };
  }
  for (const answer of commentAnswers) {
    if (!answer.ok) continue;
    const comment = answer.data;
    content[`comment:${comment.id}`] = {
      kind: "comment",
      id: comment.id,
      postId: comment.post,
      text: comment.body,
      body: "",
      author: comment.author?.username ?? null,
      hidden: Boolean(comment.hidden),
    };
  }
  return content;
}

export default async function ModerationPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ status?: string | string[] }>;
}) {
  const { id } = await params;
  if (!/^\d+$/.test(id)) notFound();
  const asked = (await searchParams).status;
  const status = STATUSES.find((value) => value === asked) ?? "open";
  const groupId = Number(id);
  const [group, reports, log] = await Promise.all([
    read<Group>(`groups/${groupId}/`),
    read<Page<Report>>(reportsPath(groupId, status)),
    read<Page<ModerationLogEntry>>(logPath(groupId)),
  ]);
  const data = subject(group);
  const listed = subject(reports);
  const content = await contentOf(listed.results, log.ok ? log.data.results : []);
  return (
    <div className="moderation">
      <h1>
        Moderation: <Link href={`/g/${data.id}`}>{data.name}</Link>
      </h1>
      {mayManage(data) && (
        <p>
          <Link href={`/g/${data.id}/manage`}>Manage the group</Link>
        </p>
      )}
      <nav aria-label="Reports by status">
        <ul className="report-tabs">
          {STATUSES.map((value) => (
            <li key={value}>
              <Link
                href={value === "open" ? `/g/${groupId}/moderation` : `/g/${groupId}/moderation?status=${value}`}
                aria-current={value === status ? "page" : undefined}
              >
                {value === "open" ? "Open reports" : value === "resolved" ? "Resolved" : "Dismissed"}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Moderation
        key={status}
        groupId={data.id}
        status={status}
        reports={listed}
        log={log.ok ? log.data : undefined}
        content={content}
      />
    </div>
  );
}
