// Starts the whole stack for the browser tests, on free ports, with its own database and Redis
// key prefix (the shared servers are never flushed or stopped): migrate, the demo data,
// gunicorn, a Celery worker with beat, the events process, the live updates' stream process
// (uvicorn), a real SMTP server (the mail catcher, keeping each mail as an .eml file in its own
// folder: e2e/mail.ts reads them), and the hub built and served by server.mjs.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { BIN, LOGS, PYTHON, ROOT, Servers, WEB, freePort } from "./servers";

const PG = process.env.E2E_PG_URL || "postgres://postgres@127.0.0.1:5432";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379/0";
/** A rate no test reaches: the throttles are on, as in production, but never in the way. */
const LOOSE = "100000/min";

export default async function setup(project: TestProject) {
  mkdirSync(LOGS, { recursive: true });
  const [apiPort, hubPort, smtpPort, streamPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const api = `http://127.0.0.1:${apiPort}`;
  const stream = `http://127.0.0.1:${streamPort}`;
  const hub = `http://127.0.0.1:${hubPort}`;
  const database = `divan_e2e_${process.pid}`;
  const mailDir = mkdtempSync(join(tmpdir(), "divan-e2e-mail-"));
  // What the stack's processes are told beyond this process's own environment; a test that
  // starts servers of its own (throttles.e2e.ts) starts them with it too.
  const stackEnv: Record<string, string> = {
    DJANGO_SETTINGS_MODULE: "config.settings.dev",
    DATABASE_URL: `${PG}/${database}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: `e2e${process.pid}`,
    SITE_URL: hub,
    HUB_URL: hub,
    DJANGO_CSRF_TRUSTED_ORIGINS: hub, // whatever a developer's .env says
    UPLOADS_LOCAL_ROOT: mkdtempSync(join(tmpdir(), "divan-e2e-uploads-")),
    THROTTLE_ANON_RATE: LOOSE,
    THROTTLE_USER_RATE: LOOSE,
    THROTTLE_WRITES_RATE: LOOSE,
    THROTTLE_EXPORT_RATE: LOOSE,
    THROTTLE_ACCOUNT_DELETE_RATE: LOOSE,
    // the worker sends the queued mail here: the stack's own mail catcher
    EMAIL_HOST: "127.0.0.1",
    EMAIL_PORT: String(smtpPort),
    // notification mail goes at the next sweep, every 2 s, rather than 2 minutes after the
    // event: a test waits for it with a deadline (notifications.e2e.ts)
    NOTIFICATIONS_MAIL_DELAY_SECONDS: "0",
    NOTIFICATIONS_MAIL_SWEEP_SECONDS: "2",
    // Django sits behind the hub, which appends the address it saw to X-Forwarded-For.
    DJANGO_NUM_PROXIES: "1",
    PATH: `${BIN}:${process.env.PATH}`,
    NEXT_TELEMETRY_DISABLED: "1",
    // every hub of the tests (theirs too) pipes /api/stream/ to the stack's stream process
    DIVAN_STREAM_URL: stream,
  };
  // Every sign-in, sign-up and code of the tests comes from 127.0.0.1: accounts' limits per
  // address and per account (each THROTTLE_*_RATE setting, as the settings list them) are loose
  // here too; throttles.e2e.ts puts them back on its own servers.
  for (const name of accountRates({ ...process.env, ...stackEnv })) stackEnv[name] = LOOSE;
  const env: NodeJS.ProcessEnv = { ...process.env, ...stackEnv };
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

  const servers = new Servers();
  const mail = servers.start(
    "mail",
    PYTHON,
    ["manage.py", "mailcatcher", "--port", String(smtpPort), "--dir", mailDir],
    ROOT,
    env,
  );
  const web = servers.gunicorn("gunicorn", apiPort, env);
  const worker = servers.start(
    "worker",
    join(BIN, "celery"),
    ["-A", "config", "worker", "-B", "--loglevel=INFO", "--concurrency=2",
     "--schedule", join(env.UPLOADS_LOCAL_ROOT as string, "beat-schedule")],
    ROOT,
    env,
  );
  const events = servers.start("events", PYTHON, ["manage.py", "consume_events", "--all"], ROOT, env);
  const live = servers.stream("stream", streamPort, env);
  const next = servers.hub("hub", hubPort, api, env);
  try {
    await servers.waitFor(`${api}/healthz`, "gunicorn", web);
    await servers.waitFor(`${stream}/healthz`, "the stream process", live);
    await servers.waitFor(`${hub}/api/auth/session/`, "the hub", next);
    await servers.waitForPort(smtpPort, "the mail catcher", mail);
    if (worker.exitCode !== null) throw new Error(`the worker exited: see ${LOGS}`);
    if (events.exitCode !== null) throw new Error(`the events process exited: see ${LOGS}`);
  } catch (error) {
    await servers.stop();
    drop();
    throw error;
  }
  project.provide("hub", hub);
  project.provide("api", api);
  project.provide("stackEnv", stackEnv);
  project.provide("mailDir", mailDir);

  return async () => {
    await servers.stop();
    drop();
  };
}

/** The settings accounts.throttles reads its limits from (THROTTLE_SIGN_IN_RATE, ...). */
function accountRates(env: NodeJS.ProcessEnv): string[] {
  const script = [
    "import json",
    "from django.conf import settings",
    "print(json.dumps([name for name in dir(settings) if name.startswith('THROTTLE_')]))",
  ].join("\n");
  const names = JSON.parse(execFileSync(PYTHON, ["-c", script], { cwd: ROOT, env, encoding: "utf8" })) as string[];
  if (!names.includes("THROTTLE_SIGN_IN_RATE")) throw new Error(`no sign-in rate among the settings: ${names}`);
  return names;
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
    stackEnv: Record<string, string>;
    mailDir: string;
  }
}
