"use client";
// The moderators' tools of a group: its reports with the reported content (open ones resolved,
// hidden and resolved, or dismissed; closed ones read) and its log in sentences, each list's
// first page from the server. After a decision the page is read again (router.refresh()).
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ModerationLogEntry, Page, Report } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { usePages } from "@/lib/hooks";
import { type ContentSummary, excerpt, logSentence } from "@/lib/logSentence";
import { logPath, reportsPath } from "@/lib/paths";
import { Empty, ErrorBox, FormErrors, Loading } from "./States";
import { Time } from "./Time";

type Contents = Record<string, ContentSummary>;

function contentKey(item: { post: number | null; comment: number | null }): string | null {
  if (item.comment != null) return `comment:${item.comment}`;
  if (item.post != null) return `post:${item.post}`;
  return null;
}

function Reported({ report, content }: { report: Report; content: ContentSummary | undefined }) {
  const kind = report.comment != null ? "comment" : "post";
  const postId = content?.postId ?? report.post;
  if (!content) return <p className="muted">The reported {kind} is gone.</p>;
  return (
    <blockquote className="report-content">
      <p>
        {kind === "post" ? "Post" : "Comment"} by <strong>{content.author ?? "[deleted]"}</strong>
        {content.hidden && <> <span className="badge">Hidden</span></>}
      </p>
      {kind === "post" && content.body ? (
        <>
          <p>
            <strong>{content.text}</strong>
          </p>
          <p className="body">{excerpt(content.body, 400)}</p>
        </>
      ) : (
        <p className="body">{excerpt(content.text, 400)}</p>
      )}
      {postId != null && (
        <p>
          <Link href={`/p/${postId}`}>{kind === "post" ? "Open the post" : "Open the post it is on"}</Link>
        </p>
      )}
    </blockquote>
  );
}

function ReportItem({
  report,
  groupId,
  content,
  onDone,
}: {
  report: Report;
  groupId: number;
  content: ContentSummary | undefined;
  onDone: () => void;
}) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const noteId = `note-${report.id}`;
  const open = report.status === "open";

  async function decide(action: "resolve" | "dismiss", hide = false) {
    setBusy(true);
    setError(null);
    try {
      await api(`groups/${groupId}/reports/${report.id}/${action}/`, {
        method: "POST",
        body: action === "resolve" ? { note, hide_content: hide } : { note },
      });
      onDone();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
      setBusy(false);
    }
  }

  return (
    <li className="card report-item" data-report={report.id}>
      <p>
        <strong>{report.reason}</strong> reported by {report.reporter?.username ?? "[deleted]"} ·{" "}
        <Time iso={report.created_at} />
      </p>
      {report.detail && <p>“{report.detail}”</p>}
      <Reported report={report} content={content} />
      {open ? (
        <>
          <div className="field">
            <label htmlFor={noteId}>Note (optional)</label>
            <input id={noteId} value={note} onChange={(event) => setNote(event.target.value)} />
          </div>
          <div className="actions">
            <button type="button" className="button danger" disabled={busy} onClick={() => decide("resolve", true)}>
              Hide it and resolve
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => decide("resolve")}>
              Resolve
            </button>
            <button type="button" className="button secondary" disabled={busy} onClick={() => decide("dismiss")}>
              Dismiss
            </button>
          </div>
          <FormErrors error={error} />
        </>
      ) : (
        <p className="muted">
          {report.status === "resolved" ? "Resolved" : "Dismissed"} by {report.resolved_by?.username ?? "[deleted]"}{" "}
          <Time iso={report.resolved_at} />
          {report.content_hidden && " (content hidden)"}
          {report.resolution_note && <> — {report.resolution_note}</>}
        </p>
      )}
    </li>
  );
}

const HEADINGS: Record<string, string> = { open: "Open reports", resolved: "Resolved reports", dismissed: "Dismissed reports" };

function Reports({
  groupId,
  status,
  first,
  content,
  onChange,
}: {
  groupId: number;
  status: string;
  first: Page<Report>;
  content: Contents;
  onChange: () => void;
}) {
  const reports = usePages<Report>(reportsPath(groupId, status), first);
  return (
    <section aria-labelledby="reports-heading">
      <h2 id="reports-heading">{HEADINGS[status] ?? "Reports"}</h2>
      {reports.error && <ErrorBox error={reports.error} onRetry={reports.reload} />}
      <ul className="reports">
        {reports.items.map((report) => (
          <ReportItem
            key={report.id}
            report={report}
            groupId={groupId}
            content={content[contentKey(report) ?? ""]}
            onDone={onChange}
          />
        ))}
      </ul>
      {reports.loading && <Loading label="Loading reports…" />}
      {!reports.loading && !reports.error && reports.items.length === 0 && (
        <Empty>{status === "open" ? "No open reports." : `No ${status} reports.`}</Empty>
      )}
      {!reports.done && !reports.loading && !reports.error && (
        <button type="button" className="button secondary" onClick={reports.loadMore}>
          More reports
        </button>
      )}
    </section>
  );
}

function Log({ groupId, first, content }: { groupId: number; first: Page<ModerationLogEntry> | undefined; content: Contents }) {
  const log = usePages<ModerationLogEntry>(logPath(groupId), first);
  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Moderation log</h2>
      {log.error && <ErrorBox error={log.error} onRetry={log.reload} />}
      <ol className="log">
        {log.items.map((entry) => {
          const summary = content[contentKey(entry) ?? ""];
          const postId = summary?.postId ?? entry.post;
          return (
            <li key={entry.id}>
              <Time iso={entry.created_at} />: {logSentence(entry, summary)}
              {postId != null && (
                <>
                  {" "}
                  (<Link href={`/p/${postId}`}>open</Link>)
                </>
              )}
            </li>
          );
        })}
      </ol>
      {log.loading && <Loading label="Loading the log…" />}
      {!log.loading && !log.error && log.items.length === 0 && <Empty>Nothing yet.</Empty>}
      {!log.done && !log.loading && !log.error && (
        <button type="button" className="button secondary" onClick={log.loadMore}>
          Older entries
        </button>
      )}
    </section>
  );
}

export function Moderation({
  groupId,
  status,
  reports,
  log,
  content,
}: {
  groupId: number;
  status: string;
  reports: Page<Report>;
  log: Page<ModerationLogEntry> | undefined;
  content: Contents;
}) {
  const router = useRouter();
  return (
    <>
      <Reports groupId={groupId} status={status} first={reports} content={content} onChange={() => router.refresh()} />
      <Log groupId={groupId} first={log} content={content} />
    </>
  );
}
