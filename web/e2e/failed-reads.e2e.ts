// A page whose own read of the API fails answers with an error status, not a 200: a 502 when
// the API does not answer, the API's own 500, 503 or 429 otherwise (server.mjs, in place of
// Next's 500), and says what went wrong in words with a retry that reads the page again
// (app/error.tsx). A list in a page that fails is still shown in place, on a 200 page.
// Its own hub, whose API is a small server here: each test says which paths it fails, and it
// passes every other request on to the stack's gunicorn.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { accessibilityProblems, launch } from "./browser";
import { send } from "./http";
import { Servers, freePort } from "./servers";

/** What the API in front of gunicorn does with a request: hang up, pass it on, or answer. */
type Rule = "down" | "pass" | { status: number; body?: unknown };

/** An API that does what `rule` says for each path (without its query), on a port the OS gives. */
async function apiInFront(gunicorn: string, rule: () => (path: string) => Rule): Promise<http.Server> {
  const upstream = new URL(gunicorn);
  const server = http.createServer((request, response) => {
    const answer = rule()(new URL(request.url ?? "/", "http://api.invalid").pathname);
    if (answer === "down") return void request.socket.destroy();
    if (answer === "pass") {
      const onward = http.request(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
        (back) => {
          response.writeHead(back.statusCode ?? 502, back.headers);
          back.pipe(response);
        },
      );
      onward.on("error", () => response.destroy());
      return void request.pipe(onward);
    }
    // No body: what a crashed server sends (gunicorn's or Django's HTML), not DRF's JSON.
    const json = answer.body !== undefined;
    response.writeHead(answer.status, { "content-type": json ? "application/json" : "text/html" });
    response.end(json ? JSON.stringify(answer.body) : "<h1>Server Error (500)</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

describe("a page whose own read fails", () => {
  const servers = new Servers();
  let api: http.Server;
  let browser: Browser;
  let hub = "";
  let rule: (path: string) => Rule = () => "pass";
  let lounge: Group;
  let welcome: Post;
  const groupPath = () => `/api/communities/v1/groups/${lounge.id}/`;
  const postPath = () => `/api/communities/v1/posts/${welcome.id}/`;

  beforeAll(async () => {
    const gunicorn = inject("api");
    const groups = (await (await fetch(`${gunicorn}/api/communities/v1/groups/?q=Lounge`)).json()) as ApiPage<Group>;
    lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
    const posts = (await (await fetch(`${gunicorn}${groupPath()}posts/`)).json()) as ApiPage<Post>;
    welcome = posts.results.find((post) => post.title === "Welcome to the Lounge") as Post;

    api = await apiInFront(gunicorn, () => rule);
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const hubPort = await freePort();
    hub = `http://127.0.0.1:${hubPort}`;
    const next = servers.hub("failed-reads-hub", hubPort, apiUrl, { ...process.env, ...inject("stackEnv") });
    await servers.waitFor(`${hub}/signin`, "the hub", next);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await servers.stop();
    api?.closeAllConnections();
    await new Promise((resolve) => api?.close(resolve));
  });

  async function open(path: string, width = 1280) {
    const context = await browser.newContext({ baseURL: hub, viewport: { width, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const response = await page.goto(path);
    return { context, page, status: response?.status() };
  }

  it("is a 502 saying so when the API does not answer, passes axe, and Try again reads it again", async () => {
    rule = () => "down";
    expect((await send(hub, `/g/${lounge.id}`)).status).toBe(502);
    for (const width of [375, 1280]) {
      const { context, page, status } = await open(`/g/${lounge.id}`, width);
      expect(status).toBe(502);
      await page.getByRole("heading", { level: 1, name: "This page could not be shown" }).waitFor();
      const alert = page.getByRole("main").getByRole("alert");
      expect(await alert.innerText()).toBe("Divan's API is not answering. Try again in a moment.");
      expect(await accessibilityProblems(page), `at ${width} px`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      if (width === 1280) {
        rule = () => "pass";
        await page.getByRole("button", { name: "Try again" }).click();
        await page.getByRole("heading", { level: 1, name: "Divan Lounge" }).waitFor();
        expect(await page.getByRole("main").getByRole("alert").count()).toBe(0);
      }
      await context.close();
    }
  });

  it("answers the API's 503 and 500 on a post page, in words", async () => {
    for (const failure of [503, 500]) {
      rule = (path) => (path === postPath() ? { status: failure } : "pass");
      expect((await send(hub, `/p/${welcome.id}`)).status).toBe(failure);
      const { context, page, status } = await open(`/p/${welcome.id}`);
      expect(status).toBe(failure);
      await page.getByRole("heading", { level: 1, name: "This page could not be shown" }).waitFor();
      await page
        .getByRole("alert")
        .getByText("Something went wrong on our side. Try again in a moment.")
        .waitFor();
      await page.getByRole("button", { name: "Try again" }).waitFor();
      expect(await page.getByText("Welcome to the Lounge").count()).toBe(0);
      await context.close();
    }
  });

  it("is a 429 with the API's words when the read is throttled", async () => {
    const detail = "Request was throttled. Expected available in 42 seconds.";
    rule = (path) => (path === groupPath() ? { status: 429, body: { detail } } : "pass");
    const { context, page, status } = await open(`/g/${lounge.id}`);
    expect(status).toBe(429);
    await page.getByRole("heading", { level: 1, name: "Too many requests" }).waitFor();
    expect(await page.getByRole("main").getByRole("alert").innerText()).toBe(detail);
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  it("shows a failed list in its place, the page itself a 200", async () => {
    rule = (path) => (path === `${groupPath()}feed/` ? { status: 503 } : "pass");
    const { context, page, status } = await open(`/g/${lounge.id}`);
    expect(status).toBe(200);
    await page.getByRole("heading", { level: 1, name: "Divan Lounge" }).waitFor();
    await page
      .getByRole("main")
      .getByRole("alert")
      .getByText("Something went wrong on our side. Try again in a moment.")
      .waitFor();
    await context.close();
  });
});
