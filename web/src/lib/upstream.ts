// Where Divan's API is, and the forwarding headers every request to it carries, whether the
// browser's request is passed through (app/api/[...path]/route.ts) or a page reads on the
// server (lib/server.ts): the visitor's address chain, so that throttles count each visitor
// (server.mjs has appended the connecting peer; Django trusts that hop), and the hub's host
// and scheme, so that the links the API writes (cursors, uploads) point at the hub.

export const UPSTREAM = new URL(process.env.DIVAN_API_URL ?? "http://127.0.0.1:8000");

/** X-Forwarded-For, -Host and -Proto for the API, from the request the hub received. */
export function forwarding(incoming: Headers, protocol: string): Record<string, string> {
  const headers: Record<string, string> = { "x-forwarded-proto": protocol.replace(":", "") };
  const chain = incoming.get("x-forwarded-for");
  if (chain) headers["x-forwarded-for"] = chain;
  const host = incoming.get("host");
  if (host) headers["x-forwarded-host"] = host;
  return headers;
}
