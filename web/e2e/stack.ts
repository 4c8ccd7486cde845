// Starts the whole stack for the browser tests, on free ports, with its own database and Redis
// key prefix (the shared servers are never flushed or stopped): migrate, the demo data,
// gunicorn, a Celery worker with beat, the events process, and the hub built and served by `next start`.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

const WEB = resolve(import.meta.dirname, "..");
const ROOT = resolve(WEB, "..");
const LOGS = join(WEB, "e2e", ".logs");
const PYTHON = process.env.DIVAN_PYTHON || join(ROOT, ".venv", "bin", "python");
const BIN = join(PYTHON, "..");
const PG = process.env.E2E_PG_URL || "postgres://postgres@127.0.0.1:5432";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379/0";

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
    server.on("error", fail);
  });
}

const children: ChildProcess[] = [];

function start(name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const log = openSync(join(LOGS, `${name}.log`), "w");
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", log, log] });
  children.push(child);
  return child;
}

async function waitFor(url: string, what: string, child: ChildProcess, seconds = 90) {
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

function signalAll(signal: NodeJS.Signals) {
  for (const child of children) {
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
async function stopAll() {
  signalAll("SIGTERM");
  const deadline = Date.now() + 10_000;
  while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signalAll("SIGKILL");
}

// An interrupted run (Ctrl-C, a crash) leaves no server behind either.
process.once("exit", () => signalAll("SIGKILL"));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    signalAll("SIGKILL");
    process.exit(130);
  });
}

export default async function setup(project: TestProject) {
  mkdirSync(LOGS, { recursive: true });
  const [apiPort, hubPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  const hub = `http://127.0.0.1:${hubPort}`;
  const database = `divan_e2e_${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DJANGO_SETTINGS_MODULE: "config.settings.dev",
    DATABASE_URL: `${PG}/${database}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: `e2e${process.pid}`,
    SITE_URL: hub,
    HUB_URL: hub,
    DJANGO_CSRF_TRUSTED_ORIGINS: hub, // whatever a developer's .env says
    UPLOADS_LOCAL_ROOT: mkdtempSync(join(tmpdir(), "divan-e2e-uploads-")),
    THROTTLE_ANON_RATE: "100000/min",
    THROTTLE_USER_RATE: "100000/min",
    THROTTLE_WRITES_RATE: "100000/min",
    PATH: `${BIN}:${process.env.PATH}`,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const drop = () => execFileSync(PYTHON, ["-c", dropScript(database)], { cwd: ROOT, env, stdio: "pipe" });
  const manage = (...args: string[]) =>
    execFileSync(PYTHON, ["manage.py", ...args], { cwd: ROOT, env, stdio: "pipe" });
  try {
    manage("ensure_db");
    manage("migrate", "--noinput");
    manage("seed_demo");
    execFileSync("npx", ["next", "build"], { cwd: WEB, env, stdio: "pipe" });
  } catch (error) {
    drop();
    throw error;
  }

  const web = start(
    "gunicorn",
    join(BIN, "gunicorn"),
    ["config.wsgi", "--bind", `127.0.0.1:${apiPort}`, "--workers", "2", "--threads", "4"],
    ROOT,
    env,
  );
  const worker = start(
    "worker",
    join(BIN, "celery"),
    ["-A", "config", "worker", "-B", "--loglevel=INFO", "--concurrency=2",
     "--schedule", join(env.UPLOADS_LOCAL_ROOT as string, "beat-schedule")],
    ROOT,
    env,
  );
  const events = start("events", PYTHON, ["manage.py", "consume_events", "--all"], ROOT, env);
  const next = start(
    "hub",
    join(WEB, "node_modules", ".bin", "next"),
    ["start", "-p", String(hubPort), "-H", "127.0.0.1"],
    WEB,
    { ...env, DIVAN_API_URL: api },
  );
  try {
    await waitFor(`${api}/healthz`, "gunicorn", web);
    await waitFor(`${hub}/api/auth/session/`, "the hub", next);
    if (worker.exitCode !== null) throw new Error(`the worker exited: see ${LOGS}`);
    if (events.exitCode !== null) throw new Error(`the events process exited: see ${LOGS}`);
  } catch (error) {
    await stopAll();
    drop();
    throw error;
  }
  project.provide("hub", hub);
  project.provide("api", api);

  return async () => {
    await stopAll();
    drop();
  };
}

function dropScript(database: string): string {
  return [
    "import psycopg",
    `c = psycopg.connect("${PG}/postgres", autocommit=True)`,
    `c.execute('DROP DATABASE IF EXISTS "${database}" WITH (FORCE)')`,
  ].join("\n");
}

declare module "vitest" {
  export interface ProvidedContext {
    hub: string;
    api: string;
  }
}
