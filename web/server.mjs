// The hub's HTTP server: Next's own request handler (what `next start` runs), behind the two
// checks that must see the raw request before Next does.
// - The connecting peer is appended to X-Forwarded-For. Next's route handlers never see the
//   socket, and `next start` keeps a client's own X-Forwarded-For as sent, so without this the
//   API could not tell visitors apart, or would believe the address a client wrote.
// - X-Forwarded-Proto, -Host and -Port from the client are dropped (Next would believe them, and
//   the API with it), unless HUB_BEHIND_PROXY=1 says a proxy in front of the hub sets them.
// - A path that is not valid percent-encoded UTF-8, or a target that is no path (`*`), is a 400
//   here: Next answers both with a 500.
// - A page whose own read of the API failed (lib/server.ts `subject()`) answers the API's status
//   (a 502 when it does not answer, its 503, its 429) where Next alone answers 500 for a page
//   that throws: the page notes the status in this request's store, and its 500 becomes that.
// - /api/stream/... (live updates, hours-long answers) is piped to the stream process
//   (DIVAN_STREAM_URL) by stream-proxy.mjs, past Next, which would buffer it and time it out.
// Usage: node server.mjs [-p PORT] [-H HOST] [--dev]
import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import { parseArgs } from "node:util";
import { STREAM_PREFIX, streamProxy } from "./stream-proxy.mjs";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", short: "p", default: process.env.PORT ?? "3000" },
    hostname: { type: "string", short: "H", default: "127.0.0.1" },
    dev: { type: "boolean", default: false },
  },
});
const dev = options.dev;
// As `next start` and `next dev` set it, before Next and React load: they pick their builds by it.
process.env.NODE_ENV ||= dev ? "development" : "production";
const { default: next } = await import("next");

const port = Number(options.port);
const hostname = options.hostname;
const app = next({ dev, dir: import.meta.dirname, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();
const behindProxy = process.env.HUB_BEHIND_PROXY === "1";
const stream = streamProxy(process.env.DIVAN_STREAM_URL ?? "http://127.0.0.1:8001");
const CLIENT_WRITTEN = ["x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded"];
// Next renders in this process, inside the request's async context: lib/server.ts finds the
// request's store here by this name (it cannot import this file).
const pageStatus = new AsyncLocalStorage();
globalThis[Symbol.for("divan.hub.pageStatus")] = pageStatus;

/** Writes the status a page noted in `store` in place of Next's 500, whenever the head goes out. */
function statusFrom(store, response) {
  const writeHead = response.writeHead;
  response.writeHead = function (status, ...rest) {
    return writeHead.call(this, status === 500 && store.status ? store.status : status, ...rest);
  };
}

function decodable(target) {
  if (!target.startsWith("/")) return false; // `*` (OPTIONS *) or an absolute URL: no page
  try {
    decodeURIComponent(target.split("?", 1)[0]);
    return true;
  } catch {
    return false;
  }
}

// The request cannot be read, so no route can say whether what it names exists: a 400, in
// DRF's shape under /api/ (what API clients parse), as a short page elsewhere.
function badRequest(request, response) {
  const api = request.url.startsWith("/api/");
  const body = api
    ? JSON.stringify({ detail: "The path is not valid percent-encoded UTF-8." })
    : '<!doctype html><title>Bad request</title><h1>Bad request</h1><p>This address is not valid. <a href="/">Divan</a></p>';
  response.writeHead(400, {
    "content-type": api ? "application/json" : "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  response.end(request.method === "HEAD" ? undefined : body);
}

const server = http.createServer((request, response) => {
  const peer = request.socket.remoteAddress;
  if (!peer) return void request.socket.destroy(); // the client is already gone
  const forwarded = request.headers["x-forwarded-for"];
  request.headers["x-forwarded-for"] = forwarded ? `${forwarded}, ${peer}` : peer;
  if (!behindProxy) for (const name of CLIENT_WRITTEN) delete request.headers[name];
  if (!decodable(request.url ?? "/")) return badRequest(request, response);
  if (request.url.startsWith(STREAM_PREFIX)) return stream(request, response);
  const store = {};
  statusFrom(store, response);
  pageStatus.run(store, () =>
    handle(request, response).catch((error) => {
      console.error(error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    }),
  );
});
server.listen(port, hostname, () => console.log(`> the hub is ready on http://${hostname}:${port}`));
