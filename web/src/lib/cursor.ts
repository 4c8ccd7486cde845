// DRF's cursor pagination answers `next` as an absolute URL on the backend's host; the hub
// follows it on its own origin, keeping only the query.

/** The query of a `next` link (`?cursor=...&page_size=...`), or null at the end. */
export function nextQuery(next: string | null | undefined): string | null {
  if (!next) return null;
  const query = new URL(next, "http://hub.invalid").search;
  return query || null;
}

/** `path` with the query of a `next` link in place of its own. */
export function withQuery(path: string, query: string): string {
  return path.split("?")[0] + query;
}
