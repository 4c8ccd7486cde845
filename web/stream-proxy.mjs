// The live-updates stream (issue 22) on the hub's origin: /api/stream/... goes straight to the
// stream process, piped by node's http module, never through Next's route handler (which would
// buffer the answer and time it out). A stream lives for hours: no timeout either way; it ends
// when the browser goes away (the request upstream is destroyed) or the stream process ends it.
// Its own module, so that the units drive it without Next (tests/streamProxy.test.ts).
import http from "node:http";

export const STREAM_PREFIX = "/api/stream/";

// Hop-by-hop headers belong to one connection, not to the request (RFC 9110, 7.6.1); the API
// proxy (src/app/api/[...path]/route.ts) drops the same.
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
]);

function withoutHopByHop(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

/**
 * A handler for (request, response) that pipes the request to `upstream` (a URL). The request's
 * X-Forwarded-For already ends with the peer (server.mjs); -Proto and -Host are set as the API
 * proxy sets them (src/lib/upstream.ts `forwarding`), so the stream process reads the same hop.
 */
export function streamProxy(upstream) {
  const target = new URL(upstream);
  return (request, response) => {
    const headers = withoutHopByHop(request.headers);
    // What server.mjs left of a client's X-Forwarded-Proto is a trusted proxy's (HUB_BEHIND_PROXY).
    headers["x-forwarded-proto"] = request.headers["x-forwarded-proto"] || (request.socket.encrypted ? "https" : "http");
    if (request.headers.host) headers["x-forwarded-host"] = request.headers.host;
    else delete headers["x-forwarded-host"];
    headers.host = target.host;
    const outgoing = http.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers,
      agent: false, // a connection of its own: no pool's idle timeout on an hours-long answer
    });
    outgoing.on("response", (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      response.flushHeaders(); // the browser's EventSource opens now, not at the first event
      answer.pipe(response);
      // The stream process went away mid-answer: end ours, and EventSource reconnects.
      answer.on("error", () => response.end());
    });
    outgoing.on("error", () => {
      if (response.headersSent || response.destroyed) return void response.end();
      const body = JSON.stringify({ detail: "Divan's live updates are not answering. Try again in a moment." });
      response.writeHead(502, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : body);
    });
    // The browser went away (or the answer is done): so does the request upstream.
    response.on("close", () => outgoing.destroy());
    request.pipe(outgoing);
  };
}
