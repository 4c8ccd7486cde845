// Throttles through the hub count each visitor, not the hub: the hub appends the address it saw
// to X-Forwarded-For and Django trusts that one hop (DJANGO_NUM_PROXIES=1), so whatever a client
// writes there itself neither frees it from its bucket nor puts it in someone else's.
// Its own gunicorn and hub, on the stack's database, with the default write rate (60 sign-ins)
// and the default anonymous rate (120 reads) per day, not per minute, so that a burst never
// straddles two windows; and a Redis key prefix of its own, so its counts start at zero. (The
// stack's loose sign-in limits stay, so that the write rate is the one reached.)
// Then the sign-in page past accounts' own limit on sign-ins per address (THROTTLE_SIGN_IN_RATE,
// here 3 an hour, on a gunicorn and hub of its own): the 429 is said in words, with the wait.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD, accessibilityProblems, launch } from "./browser";
import { type Answer, send } from "./http";
import { Servers, freePort } from "./servers";

const SIGN_IN = "/api/auth/session/";
const GROUPS = "/api/communities/v1/groups/";
const DAY_MS = 86_400_000;

/** Returns when at least `ms` are left in the current UTC day: a throttle's daily window. */
async function roomInWindow(ms: number) {
  const deadline = Date.now() + ms + 5_000;
  while (DAY_MS - (Date.now() % DAY_MS) < ms) {
    if (Date.now() > deadline) throw new Error("the day's window did not turn");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A client of the hub at its own address, with the cookies the hub gave it. */
class Client {
  private cookies = new Map<string, string>();
  constructor(
    private readonly hub: string,
    readonly address: string,
  ) {}

  async send(path: string, options: { method?: string; body?: unknown; forwardedFor?: string } = {}) {
    const headers: Record<string, string> = {};
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    if (options.forwardedFor) headers["x-forwarded-for"] = options.forwardedFor;
    const csrf = this.cookies.get("csrftoken");
    if (options.method === "POST" && csrf) headers["x-csrftoken"] = csrf;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const answer = await send(this.hub, path, { method: options.method, headers, body, from: this.address });
    for (const cookie of answer.headers["set-cookie"] ?? []) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return answer;
  }

  signIn(password: string, forwardedFor?: string): Promise<Answer> {
    return this.send(SIGN_IN, { method: "POST", body: { username: "alice", password }, forwardedFor });
  }
}

describe("throttles through the hub", () => {
  const servers = new Servers();
  let hub = "";

  beforeAll(async () => {
    const [apiPort, hubPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    hub = `http://127.0.0.1:${hubPort}`;
    const env = {
      ...process.env,
      ...inject("stackEnv"),
      REDIS_KEY_PREFIX: `e2e-throttles-${process.pid}-${Date.now()}`,
      SITE_URL: hub,
      HUB_URL: hub,
      DJANGO_CSRF_TRUSTED_ORIGINS: hub,
      THROTTLE_ANON_RATE: "120/day",
      THROTTLE_WRITES_RATE: "60/day",
    };
    const web = servers.gunicorn("throttles-gunicorn", apiPort, env);
    const next = servers.hub("throttles-hub", hubPort, api, env);
    await servers.waitFor(`${api}/healthz`, "gunicorn", web);
    await servers.waitFor(`${hub}/signin`, "the hub", next);
  });
  afterAll(() => servers.stop());

  it("lets a person sign in while another address is throttled for 60 wrong sign-ins", async () => {
    await roomInWindow(120_000);
    const guesser = new Client(hub, "127.0.0.2");
    const person = new Client(hub, "127.0.0.3");
    expect((await guesser.send(SIGN_IN)).status).toBe(200); // the CSRF cookie

    const wrong: number[] = [];
    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all([1, 2, 3, 4].map(() => guesser.signIn("not-her-password")));
      wrong.push(...answers.map((answer) => answer.status));
    }
    expect(wrong).toEqual(Array(60).fill(400));
    const throttled = await guesser.signIn(DEMO_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(JSON.parse(throttled.body).detail).toMatch(/^Request was throttled\./);

    // Naming the throttled address in X-Forwarded-For does not put the person in its bucket.
    expect((await person.send(SIGN_IN, { forwardedFor: guesser.address })).status).toBe(200);
    const signedIn = await person.signIn(DEMO_PASSWORD, guesser.address);
    expect(signedIn.status).toBe(200);
    expect(JSON.parse(signedIn.body).user.username).toBe("alice");
    expect((await guesser.signIn(DEMO_PASSWORD)).status).toBe(429); // still
  });

  it("keeps anonymous reads in their client's bucket whatever X-Forwarded-For says", async () => {
    await roomInWindow(120_000);
    const reader = new Client(hub, "127.0.0.4");

    const statuses: number[] = [];
    for (let n = 0; n < 130; n++) {
      statuses.push((await reader.send(GROUPS, { forwardedFor: `203.0.113.${n}` })).status);
    }

    expect(statuses).toEqual([...Array(120).fill(200), ...Array(10).fill(429)]);
    expect((await new Client(hub, "127.0.0.5").send(GROUPS)).status).toBe(200); // another client
  });
});

describe("the sign-in page past the sign-in limit", () => {
  const servers = new Servers();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const [apiPort, hubPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    const hub = `http://127.0.0.1:${hubPort}`;
    const env = {
      ...process.env,
      ...inject("stackEnv"),
      REDIS_KEY_PREFIX: `e2e-sign-in-${process.pid}-${Date.now()}`,
      SITE_URL: hub,
      HUB_URL: hub,
      DJANGO_CSRF_TRUSTED_ORIGINS: hub,
      THROTTLE_SIGN_IN_RATE: "3/hour",
    };
    const web = servers.gunicorn("sign-in-throttle-gunicorn", apiPort, env);
    const next = servers.hub("sign-in-throttle-hub", hubPort, api, env);
    await servers.waitFor(`${api}/healthz`, "gunicorn", web);
    await servers.waitFor(`${hub}/signin`, "the hub", next);
    browser = await launch();
    const context = await browser.newContext({ baseURL: hub, viewport: { width: 375, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await browser?.close();
    await servers.stop();
  });

  /** A sign-in as alice from the page: the API's answer to it. */
  async function signIn(password: string) {
    await page.getByLabel("Username").fill("alice");
    await page.getByLabel("Password").fill(password);
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith("/auth/login")),
      page.getByRole("main").getByRole("button", { name: "Sign in" }).click(),
    ]);
    return answer;
  }

  it("says a throttled sign-in in words, with how long to wait, and signs nobody in", async () => {
    await page.goto("/signin");
    // The page has read the session (and its CSRF cookie) before the first sign-in is sent.
    await page.waitForLoadState("networkidle");
    const alert = page.getByRole("main").getByRole("alert");
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await signIn(`not-her-password-${attempt}`)).status()).toBe(400);
      await expect.poll(() => alert.textContent()).toContain("not correct");
    }
    // The fourth, with her right password, never reaches the password check.
    const throttled = await signIn(DEMO_PASSWORD);
    expect(throttled.status()).toBe(429);
    expect(Number(throttled.headers()["retry-after"])).toBeGreaterThan(3500);
    await expect
      .poll(() => alert.textContent())
      .toBe("Too many attempts in a short time: try again in 60 minutes.");
    expect((await page.request.get("/api/auth/session/").then((r) => r.json())).user).toBeNull();
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: width < 600 ? 800 : 900 });
      expect(await accessibilityProblems(page), `at ${width} px`).toEqual([]);
    }
  });
});
