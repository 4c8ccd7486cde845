"use client";
// The moderators' tools of a group: open reports (resolve, resolve and hide, dismiss) and the
// log, each list's first page from the server.
import Link from "next/link";
import { useEffect, useState } from "react";
import type { ModerationLogEntry, Page, Report } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { usePages } from "@/lib/hooks";
import { logPath, reportsPath } from "@/lib/paths";
import { Empty, ErrorBox, FormErrors, Loading } from "./States";
import { Time } from "./Time";

const ACTIONS: Record<string, string> = {
  hide_post: "hid a post",
  restore_post: "restored a post",
  delete_post: "deleted a post",
  pin_post: "pinned a post",
  unpin_post: "unpinned a post",
  lock_post: "locked a post",
  unlock_post: "unlocked a post",
  hide_comment: "hid a comment",
  restore_comment: "restored a comment",
  delete_comment: "deleted a comment",
  resolve_report: "resolved a report",
  dismiss_report: "dismissed a report",
  ban_user: "banned",
  unban_user: "lifted the ban of",
  remove_member: "removed",
  change_role: "changed the role of",
  approve_join_request: "let in",
  deny_join_request: "turned away",
  invite_user: "invited",
  revoke_invitation: "took back the invitation of",
};

function ReportItem({ report, groupId, onDone }: { report: Report; groupId: number; onDone: () => void }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const noteId = `note-${report.id}`;

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
      <p>
        {report.post && <Link href={`/p/${report.post}`}>Open the reported post</Link>}
        {report.comment && <span> (a comment on it)</span>}
      </p>
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
    </li>
  );
}

function Reports({
  groupId,
  first,
  onChange,
}: {
  groupId: number;
  first: Page<Report>;
  onChange: () => void;
}) {
  const reports = usePages<Report>(reportsPath(groupId), first);
  return (
    <section aria-labelledby="reports-heading">
      <h2 id="reports-heading">Open reports</h2>
      {reports.error && <ErrorBox error={reports.error} onRetry={reports.reload} />}
      <ul className="reports">
        {reports.items.map((report) => (
          <ReportItem
            key={report.id}
            report={report}
            groupId={groupId}
            onDone={() => {
              reports.reload();
              onChange();
            }}
          />
        ))}
      </ul>
      {reports.loading && <Loading label="Loading reports…" />}
      {!reports.loading && !reports.error && reports.items.length === 0 && <Empty>No open reports.</Empty>}
      {!reports.done && !reports.loading && !reports.error && (
        <button type="button" className="button secondary" onClick={reports.loadMore}>
          More reports
        </button>
      )}
    </section>
  );
}

function Log({
  groupId,
  first,
  version,
}: {
  groupId: number;
  first: Page<ModerationLogEntry> | undefined;
  version: number;
}) {
  const log = usePages<ModerationLogEntry>(logPath(groupId), first);
  const { reload } = log;
  // A decision on a report writes to the log: read it again.
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Moderation log</h2>
      {log.error && <ErrorBox error={log.error} onRetry={log.reload} />}
      <ol className="log">
        {log.items.map((entry) => (
          <li key={entry.id}>
            <Time iso={entry.created_at} />: <strong>{entry.actor?.username ?? "[deleted]"}</strong>{" "}
            {ACTIONS[entry.action] ?? entry.action}
            {entry.target_user && <> {entry.target_user.username}</>}
            {entry.post && (
              <>
                {" "}
                (<Link href={`/p/${entry.post}`}>post {entry.post}</Link>)
              </>
            )}
            {entry.reason && <> — {entry.reason}</>}
          </li>
        ))}
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
  reports,
  log,
}: {
  groupId: number;
  reports: Page<Report>;
  log: Page<ModerationLogEntry> | undefined;
}) {
  const [version, setVersion] = useState(0);
  return (
    <>
      <Reports groupId={groupId} first={reports} onChange={() => setVersion((v) => v + 1)} />
      <Log groupId={groupId} first={log} version={version} />
    </>
  );
}
