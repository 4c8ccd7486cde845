"use client";
// Your data as an archive: POST /api/auth/export/ asks for one (202, or 409 while one is being
// built); a worker builds it, and GET /api/auth/export/ says how far it is, with its link once it
// is ready. The section asks again every few seconds while the archive is being built.
import { useEffect, useState } from "react";
import type { DataExport, ExportStatus } from "@/api/types";
import { ApiError, api } from "@/lib/api";
import { FormErrors } from "../States";
import { Time } from "../Time";

const EXPORT = "/api/auth/export/";
const POLL_MS = 3000;
const BUILDING: ExportStatus[] = ["pending", "building"];

const SAID: Record<ExportStatus, string> = {
  pending: "Your archive is being built. This page shows its link once it is ready, and we mail it to you.",
  building: "Your archive is being built. This page shows its link once it is ready, and we mail it to you.",
  ready: "Your archive is ready.",
  failed: "Your archive could not be built. Ask for a new one.",
  expired: "Your last archive has expired. Ask for a new one.",
};

/** A size in bytes, in words: "812 bytes", "14.2 KB", "3.1 MB". */
export function sizeInWords(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The archive's link on the hub's own origin: the API's `download_url` is on SITE_URL, and only
 * this origin carries the session that the link needs.
 */
export function downloadPath(url: string): string {
  const parsed = new URL(url, "http://hub.invalid");
  return parsed.pathname + parsed.search;
}

function failure(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, null);
}

/**
 * `initial`: the latest export, read on the server (null: none, or the read failed); `unread`:
 * that read's failure other than a 404, said in the API's words.
 */
export function ExportData({
  initial,
  unread = null,
}: {
  initial: DataExport | null;
  unread?: { status: number; body: unknown } | null;
}) {
  const [current, setCurrent] = useState<DataExport | null>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(() => (unread ? new ApiError(unread.status, unread.body) : null));
  const building = current !== null && BUILDING.includes(current.status);

  useEffect(() => {
    if (!building) return;
    const timer = setTimeout(() => {
      api<DataExport>(EXPORT).then(
        (latest) => {
          setError(null);
          setCurrent(latest);
        },
        // Said, and asked again at the next tick (a new object, so the effect runs again).
        (problem) => {
          setError(failure(problem));
          setCurrent((same) => (same ? { ...same } : same));
        },
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [building, current]);

  async function ask() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setCurrent(await api<DataExport>(EXPORT, { method: "POST" }));
    } catch (problem) {
      const refused = failure(problem);
      setError(refused);
      // 409: one is on its way already (asked in another tab): show that one.
      if (refused.status === 409) await api<DataExport>(EXPORT).then(setCurrent, () => undefined);
    } finally {
      setBusy(false);
    }
  }

  const ready = current?.status === "ready" && current.download_url;
  return (
    <section className="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Your data</h2>
      <p>
        An archive (a zip file) of your profile, email addresses, groups, posts, comments, reactions and uploads,
        built in the background.
      </p>
      {current && (
        <div role="status">
          <p>{SAID[current.status]}</p>
          {ready && current.download_url && (
            <p>
              <a href={downloadPath(current.download_url)}>
                Download your archive
              </a>
              {current.size !== null && <> ({sizeInWords(current.size)})</>}
              {current.expires_at && (
                <>
                  , until <Time iso={current.expires_at} />
                </>
              )}
              .
            </p>
          )}
        </div>
      )}
      <FormErrors error={error} />
      {!building && (
        <button type="button" className="button secondary" disabled={busy} onClick={ask}>
          {current ? "Export my data again" : "Export my data"}
        </button>
      )}
    </section>
  );
}
