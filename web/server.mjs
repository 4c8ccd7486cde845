// The hub's HTTP server: Next's own request handler (what `next start` runs), behind what must
// see the raw request before Next does.
// - The connecting peer is appended to X-Forwarded-For. Next's route handlers never see the
//   socket, and `next start` keeps a client's own X-Forwarded-For as sent, so without this the
//   API could not tell visitors apart, or would believe the address a client wrote.
// Usage: node server.mjs [-p PORT] [-H HOST] [--dev]
import http from "node:http";
import { parseArgs } from "node:util";

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

const server = http.createServer((request, response) => {
  const peer = request.socket.remoteAddress;
  if (!peer) return void request.socket.destroy(); // the client is already gone
  const forwarded = request.headers["x-forwarded-for"];
  request.headers["x-forwarded-for"] = forwarded ? `${forwarded}, ${peer}` : peer;
  handle(request, response).catch((error) => {
    console.error(error);
    if (!response.headersSent) response.writeHead(500);
    response.end();
  });
});
server.listen(port, hostname, () => console.log(`> the hub is ready on http://${hostname}:${port}`));
