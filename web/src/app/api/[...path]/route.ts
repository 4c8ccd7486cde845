// The API on the hub's own origin: every /api/... request goes to Divan's backend as it came
// (method, path with its trailing slash, query, headers, body streamed) and its answer comes
// back as it went (status, headers with every Set-Cookie, body streamed). So the browser keeps
// Django's HttpOnly session cookie on this origin and no script ever holds a credential.
// X-Forwarded-For arrives with the connecting peer already appended by the hub's server
// (server.mjs): Django trusts that last hop (DJANGO_NUM_PROXIES=1) to tell visitors apart.
import http from "node:http";
import { Readable, pipeline } from "node:stream";
import type { NextRequest } from "next/server";
import { UPSTREAM, forwarding } from "@/lib/upstream";
import { HOP_BY_HOP } from "../../../../stream-proxy.mjs";

export const dynamic = "force-dynamic";

// Longer than gunicorn lets a request run (30 s): the backend answers first, or never will.
const TIMEOUT_MS = 60_000;

function forwardedHeaders(request: NextRequest): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  headers.host = UPSTREAM.host;
  delete headers["x-forwarded-host"];
  return { ...headers, ...forwarding(request.headers, request.nextUrl.protocol) };
}

function answer(upstream: http.IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const status = upstream.statusCode ?? 502;
  const empty = status === 204 || status === 304;
  const body = empty ? null : (Readable.toWeb(upstream) as ReadableStream<Uint8Array>);
  if (empty) upstream.resume();
  return new Response(body, { status, statusText: upstream.statusMessage, headers });
}

function proxy(request: NextRequest): Promise<Response> {
  const path = request.nextUrl.pathname + request.nextUrl.search;
  return new Promise((resolve) => {
    const outgoing = http.request(
      {
        protocol: UPSTREAM.protocol,
        hostname: UPSTREAM.hostname,
        port: UPSTREAM.port,
        method: request.method,
        path,
        headers: forwardedHeaders(request),
      },
      (upstream) => resolve(answer(upstream)),
    );
    // Whatever fails before the answer (refused, timed out, the browser gone) is a 502 here;
    // resolving twice is harmless.
    outgoing.on("error", () =>
      resolve(
        Response.json(
          { detail: "Divan's API is not answering. Try again in a moment." },
          { status: 502 },
        ),
      ),
    );
    outgoing.setTimeout(TIMEOUT_MS, () => outgoing.destroy(new Error("upstream timeout")));
    // The browser went away: so does the request upstream (an upload stops at once).
    request.signal.addEventListener("abort", () => outgoing.destroy(new Error("client gone")));
    if (request.body) {
      const body = Readable.fromWeb(request.body as import("node:stream/web").ReadableStream);
      pipeline(body, outgoing, (error) => error && outgoing.destroy(error));
    } else {
      outgoing.end();
    }
  });
}

export {
  proxy as GET,
  proxy as HEAD,
  proxy as POST,
  proxy as PUT,
  proxy as PATCH,
  proxy as DELETE,
  proxy as OPTIONS,
};
