"use client";
// Reporting a post or a comment to its group's moderators.
import { useId, useState } from "react";
import type { ReportReason } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "./States";

const REASONS: [ReportReason, string][] = [
  ["spam", "Spam"],
  ["harassment", "Harassment"],
  ["hate", "Hate"],
  ["violence", "Violence"],
  ["sexual", "Sexual content"],
  ["misinformation", "Misinformation"],
  ["other", "Something else"],
];

export function ReportButton({ post, comment }: { post?: number; comment?: number }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReportReason>("spam");
  const [detail, setDetail] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState(false);
  const [key, setKey] = useState<string>("");

  if (sent) return <span className="badge ok" role="status">Reported: thank you</span>;
  if (!open)
    return (
      <button
        type="button"
        className="link"
        onClick={() => {
          setOpen(true);
          setKey(crypto.randomUUID());
        }}
      >
        Report
      </button>
    );

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api("reports/", {
        method: "POST",
        body: { ...(comment ? { comment } : { post }), reason, detail },
        idempotencyKey: key,
      });
      setSent(true);
    } catch (failure) {
      const apiError = failure instanceof ApiError ? failure : new ApiError(0, null);
      if (!apiError.outcomeUnknown) setKey(crypto.randomUUID());
      setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="report" onSubmit={submit} aria-label="Report">
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why are you reporting this?</label>
        <select
          id={`${id}-reason`}
          value={reason}
          onChange={(event) => setReason(event.target.value as ReportReason)}
        >
          {REASONS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-detail`}>Details (optional)</label>
        <input id={`${id}-detail`} value={detail} onChange={(event) => setDetail(event.target.value)} />
      </div>
      <FormErrors error={error} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Send report
        </button>
        <button type="button" className="button secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
