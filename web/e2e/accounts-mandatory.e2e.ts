// Sign-up where an address must be verified before its account signs in
// (ACCOUNT_EMAIL_VERIFICATION=mandatory, as the production guide sets it): its own gunicorn and
// hub on the stack's database, whose mails link to this hub and go out through the stack's
// worker and mail catcher. The hub follows the flow the API says is pending: no one is signed in
// after the sign-up, a sign-in before the link is followed asks for it, and after it signs in.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PASSWORD, accessibilityProblems, launch, unique } from "./browser";
import { linkIn, mailTo } from "./mail";
import { Servers, freePort } from "./servers";

describe("sign-up with mandatory verification, in the hub", () => {
  const servers = new Servers();
  const username = unique("mona");
  const email = `${username}@example.com`;
  let hub = "";
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const [apiPort, hubPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    hub = `http://127.0.0.1:${hubPort}`;
    const env = {
      ...process.env,
      ...inject("stackEnv"),
      SITE_URL: hub,
      HUB_URL: hub,
      DJANGO_CSRF_TRUSTED_ORIGINS: hub,
      ACCOUNT_EMAIL_VERIFICATION: "mandatory",
    };
    const web = servers.gunicorn("mandatory-gunicorn", apiPort, env);
    const next = servers.hub("mandatory-hub", hubPort, api, env);
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

  it("signs nobody in at sign-up, asks for the link at sign-in, and signs in once it is followed", async () => {
    await page.goto("/register");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Join Divan" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();
    await page.getByText("Once it is verified,").waitFor();
    expect(await page.getByRole("link", { name: "Go to your feed" }).count()).toBe(0);
    expect((await page.request.get("/api/auth/session/").then((r) => r.json())).user).toBeNull();
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole("main").getByRole("link", { name: "sign in" }).click();
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Verify your address first" }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    expect((await page.request.get("/api/auth/session/").then((r) => r.json())).user).toBeNull();

    const mail = await mailTo(email, /confirm your email/i);
    await page.goto(linkIn(mail, `${hub}/account/verify-email/`));
    await page.getByRole("button", { name: "Verify this address" }).click();
    await page.getByRole("heading", { name: "Address verified" }).waitFor();
    // Verified, the account signs in (allauth signs in on the link itself only with
    // ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION, which Divan leaves off).
    await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your feed" }).waitFor();
    await expect.poll(() => page.getByLabel("Signed in as").textContent(), { timeout: 15_000 }).toBe(username);
  });
});
