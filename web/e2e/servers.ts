// The processes the browser tests start: gunicorn, the stream process and the hub on free ports, each in a process
// group of its own with its log in e2e/.logs/, stopped together (and killed if the run dies).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";

export const WEB = resolve(import.meta.dirname, "..");
export const ROOT = resolve(WEB, "..");
export const LOGS = join(WEB, "e2e", ".logs");
export const PYTHON = process.env.DIVAN_PYTHON || join(ROOT, ".venv", "bin", "python");
export const BIN = join(PYTHON, "..");

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

const everyone = new Set<Servers>();

export class Servers {
  private readonly children: ChildProcess[] = [];

  constructor() {
    everyone.add(this);
  }

  start(name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
    mkdirSync(LOGS, { recursive: true });
    const log = openSync(join(LOGS, `${name}.log`), "w");
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", log, log] });
    this.children.push(child);
    return child;
  }

  /** Gunicorn serving the API on 127.0.0.1:port. */
  gunicorn(name: string, port: number, env: NodeJS.ProcessEnv) {
    return this.start(
      name,
      join(BIN, "gunicorn"),
      // keep-alive past Node's own idle timeouts (undici's 4 s, the agent's 5 s): a pooled
      // connection is never closed by gunicorn just as the hub sends on it ("other side closed")
      ["config.wsgi", "--bind", `127.0.0.1:${port}`, "--workers", "2", "--threads", "4",
       "--keep-alive", "75"],
      ROOT,
      env,
    );
  }

  /** The live updates' stream process (live.asgi under uvicorn) on 127.0.0.1:port. */
  stream(name: string, port: number, env: NodeJS.ProcessEnv) {
    return this.start(
      name,
      PYTHON,
      ["-m", "uvicorn", "live.asgi:application", "--host", "127.0.0.1", "--port", String(port), "--no-access-log"],
      ROOT,
      env,
    );
  }

  /**
   * The built hub on 127.0.0.1:port, served as in production (server.mjs), proxying to api (and
   * /api/stream/ to env's DIVAN_STREAM_URL: the stack's stream process).
   */
  hub(name: string, port: number, api: string, env: NodeJS.ProcessEnv) {
    return this.start(
      name,
      process.execPath,
      ["server.mjs", "-p", String(port), "-H", "127.0.0.1"],
      WEB,
      { ...env, DIVAN_API_URL: api },
    );
  }

  /** Until url answers 2xx: an error if the process exits or the deadline passes first. */
  async waitFor(url: string, what: string, child: ChildProcess, seconds = 90) {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): see ${LOGS}`);
      try {
        const response = await fetch(url);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what} did not answer ${url} within ${seconds} s: see ${LOGS}`);
  }

  /** Until something accepts connections on 127.0.0.1:port (a server that speaks no HTTP). */
  async waitForPort(port: number, what: string, child: ChildProcess, seconds = 60) {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): see ${LOGS}`);
      const open = await new Promise<boolean>((done) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          done(true);
        });
        socket.once("error", () => done(false));
      });
      if (open) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what} did not listen on ${port} within ${seconds} s: see ${LOGS}`);
  }

  signal(signal: NodeJS.Signals) {
    for (const child of this.children) {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, signal); // the whole group: gunicorn's and celery's children too
        } catch {
          // already gone
        }
      }
    }
  }

  /** SIGTERM to every process group, then SIGKILL to what is still there after 10 s. */
  async stop() {
    this.signal("SIGTERM");
    const deadline = Date.now() + 10_000;
    const running = () => this.children.some((c) => c.exitCode === null && c.signalCode === null);
    while (running() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    this.signal("SIGKILL");
    everyone.delete(this);
  }
}

// An interrupted run (Ctrl-C, a crash) leaves no server behind either.
process.once("exit", () => everyone.forEach((servers) => servers.signal("SIGKILL")));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    everyone.forEach((servers) => servers.signal("SIGKILL"));
    process.exit(130);
  });
}
