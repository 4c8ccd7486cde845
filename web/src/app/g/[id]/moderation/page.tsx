"use client";
// For a group's moderators: open reports (resolve, resolve and hide, dismiss) and the log.
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import type { Group, ModerationLogEntry, Report } from "@/api/types";
import { Empty, ErrorBox, Failure, FormErrors, Loading, NotFoundView } from "@/components/States";
import { Time } from "@/components/Time";
import { ApiError, api } from "@/lib/api";
import { usePages, useResource } from "@/lib/hooks";

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

function Reports({ groupId, onChange }: { groupId: number; onChange: () => void }) {
  const reports = usePages<Report>(`groups/${groupId}/reports/?status=open`);
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

function Log({ groupId }: { groupId: number }) {
  const log = usePages<ModerationLogEntry>(`groups/${groupId}/moderation-log/`);
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

export default function ModerationPage() {
  const { id } = useParams<{ id: string }>();
  const valid = /^\d+$/.test(id);
  const group = useResource<Group>(valid ? `groups/${id}/` : null);
  const [logKey, setLogKey] = useState(0);
  if (!valid) return <NotFoundView />;
  if (group.error) return <Failure error={group.error} onRetry={group.reload} />;
  if (!group.data) return <Loading />;
  const role = (group.data.membership as { role?: string } | null)?.role;
  if (!role || role === "member") return <NotFoundView />;
  return (
    <div className="moderation">
      <h1>
        Moderation: <Link href={`/g/${group.data.id}`}>{group.data.name}</Link>
      </h1>
      <Reports groupId={group.data.id} onChange={() => setLogKey((k) => k + 1)} />
      <Log key={logKey} groupId={group.data.id} />
    </div>
  );
}
