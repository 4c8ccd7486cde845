"use client";
// A moment, in the reader's time zone. The server renders it in UTC (it cannot know the
// reader's zone); the browser then shows it in theirs.
import { useEffect, useState } from "react";

const STYLE = { dateStyle: "medium", timeStyle: "short" } as const;

export function Time({ iso }: { iso: string | null | undefined }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    if (iso) setLocal(new Date(iso).toLocaleString("en-GB", STYLE));
  }, [iso]);
  if (!iso) return null;
  const date = new Date(iso);
  return (
    <time dateTime={iso} title={date.toISOString()}>
      {local ?? `${date.toLocaleString("en-GB", { ...STYLE, timeZone: "UTC" })} UTC`}
    </time>
  );
}
