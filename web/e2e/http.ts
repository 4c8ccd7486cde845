// Plain HTTP for the tests that need what a browser will not do: a path sent byte for byte as
// written, a forged X-Forwarded-For, or a chosen source address (any 127.x.y.z is this machine on
// Linux, so each one is a different client to the hub).
import http from "node:http";

export type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

export function send(
  base: string,
  path: string,
  options: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    from?: string;
  } = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path, // sent as written, never normalized
        headers: options.headers,
        localAddress: options.from,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`${path}: no answer in 30 s`)));
    request.on("error", reject);
    request.end(options.body);
  });
}
