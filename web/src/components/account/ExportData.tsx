"use client";
// Your data as an archive: POST /api/auth/export/ asks for one (202); a worker builds it, and
// GET /api/auth/export/ says how far it is, and gives a link that works for a while once it is
// ready. The page asks again every few seconds while it is being built.
import { useEffect, useState } from "react";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "../States";
import { Time } from "../Time";

export interface ExportState {
  state: string;
  url?: string | null;
  expires_at?: string | null;
}

const EXPORT = "/api/auth/export/";
const POLL_MS = 3000;
const BUILDING = new Set(["pending", "queued", "running", "building"]);

function said(state: string): string {
  if (BUILDING.has(state)) return "Your archive is being built. This page shows the link once it is ready.";
  if (state === "ready") return "Your archive is ready.";
  if (state === "failed") return "Building your archive failed. Ask for a new one.";
  if (state === "expired") return "Your last archive's link has expired. Ask for a new one.";
  return `Your archive: ${state}.`;
}

export function ExportData({ initial }: { initial: ExportState | null }) {
  const [current, setCurrent] = useState<ExportState | null>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const building = current !== null && BUILDING.has(current.state);

  useEffect(() => {
    if (!building) return;
    const timer = setTimeout(() => {
      api<ExportState>(EXPORT).then(setCurrent, (failure) =>
        setError(failure instanceof ApiError ? failure : new ApiError(0, null)),
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [building, current]);

  async function ask() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setCurrent(await api<ExportState>(EXPORT, { method: "POST" }));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, null));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Your data</h2>
      <p>
        An archive of your profile, groups, posts, comments, reactions and uploads, built in the background; we
        also mail you its link.
      </p>
      {current && (
        <div role="status">
          <p>{said(current.state)}</p>
          {current.state === "ready" && current.url && (
            <p>
              <a href={current.url}>Download your archive</a>
              {current.expires_at && (
                <>
                  {" "}
                  (the link works until <Time iso={current.expires_at} />)
                </>
              )}
            </p>
          )}
        </div>
      )}
      <FormErrors error={error} />
      {!building && (
        <button type="button" className="button secondary" disabled={busy} onClick={ask}>
          Export my data
        </button>
      )}
    </section>
  );
}
