// The live stream's proxy (stream-proxy.mjs) between real sockets, without Next: the answer comes
// through as it is written (no buffering), with the forwarding headers the API proxy sets; the
// browser's going away ends the request upstream; no stream process is a 502 in DRF's shape.
import http from "node:http";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module, without types of its own
import { STREAM_PREFIX, streamProxy } from "../stream-proxy.mjs";

const servers: http.Server[] = [];

function listen(server: http.Server): Promise<number> {
  servers.push(server);
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done((server.address() as net.AddressInfo).port)));
}

/** The hub's part: the peer appended to X-Forwarded-For (server.mjs), then the proxy. */
async function hub(upstream: string): Promise<number> {
  const proxy = streamProxy(upstream);
  return listen(
    http.createServer((request, response) => {
      const forwarded = request.headers["x-forwarded-for"];
      request.headers["x-forwarded-for"] = forwarded ? `${forwarded}, ${request.socket.remoteAddress}` : request.socket.remoteAddress;
      proxy(request, response);
    }),
  );
}

/** Resolves at the first chunk of the answer, with the answer (its body still coming). */
function open(port: number, path: string, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<{ response: http.IncomingMessage; first: string; request: http.ClientRequest }>((done, fail) => {
    const request = http.get({ host: "127.0.0.1", port, path, headers }, (response) => {
      response.once("data", (chunk: Buffer) => done({ response, first: chunk.toString(), request }));
    });
    request.on("error", fail);
  });
}

function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((done, fail) => {
    const look = () => {
      if (check()) return done();
      if (Date.now() > deadline) return fail(new Error("not within the deadline"));
      setTimeout(look, 10);
    };
    look();
  });
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

describe("the stream proxy", () => {
  it("passes each event through as written, with the request's credentials and forwarding headers", async () => {
    let seen: http.IncomingHttpHeaders = {};
    let seenPath = "";
    let upstreamClosed = false;
    const upstreamPort = await listen(
      http.createServer((request, response) => {
        seen = request.headers;
        seenPath = request.url ?? "";
        request.socket.on("close", () => (upstreamClosed = true));
        response.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          "x-accel-buffering": "no",
        });
        response.write("retry: 2000\n\n"); // and the answer stays open
      }),
    );
    const port = await hub(`http://127.0.0.1:${upstreamPort}`);
    const { response, first, request } = await open(port, `${STREAM_PREFIX}?posts=7,8`, {
      cookie: "sessionid=abc",
      "last-event-id": "1700000000000-0",
      "x-forwarded-for": "203.0.113.9",
    });
    expect(first).toBe("retry: 2000\n\n");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/event-stream");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["x-accel-buffering"]).toBe("no");
    expect(seenPath).toBe("/api/stream/?posts=7,8");
    expect(seen.cookie).toBe("sessionid=abc");
    expect(seen["last-event-id"]).toBe("1700000000000-0");
    expect(seen["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-forwarded-host"]).toBe(`127.0.0.1:${port}`);
    expect(seen.host).toBe(`127.0.0.1:${upstreamPort}`);

    // The browser goes away: the request upstream ends with it.
    expect(upstreamClosed).toBe(false);
    request.destroy();
    await until(() => upstreamClosed);
  });

  it("answers a 502 in DRF's shape when the stream process does not answer", async () => {
    const closed = await listen(http.createServer());
    const gone = `http://127.0.0.1:${closed}`;
    await new Promise((done) => servers.pop()?.close(done));
    const port = await hub(gone);
    const { response, first } = await open(port, STREAM_PREFIX);
    expect(response.statusCode).toBe(502);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(first)).toEqual({ detail: "Divan's live updates are not answering. Try again in a moment." });
  });

  it("passes the stream process's refusal as it is (a 401 for nobody signed in)", async () => {
    const upstreamPort = await listen(
      http.createServer((_request, response) => {
        response.writeHead(401, { "content-type": "application/json" });
        response.end(JSON.stringify({ detail: "Authentication credentials were not provided." }));
      }),
    );
    const port = await hub(`http://127.0.0.1:${upstreamPort}`);
    const { response, first } = await open(port, STREAM_PREFIX);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(first)).toEqual({ detail: "Authentication credentials were not provided." });
  });
});
