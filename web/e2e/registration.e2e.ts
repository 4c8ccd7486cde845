// Who may sign up (REGISTRATION_MODE), in the hub: each mode on a gunicorn and hub of its own,
// on the stack's database. Invite-only: a group's owner makes a sign-up link on the Manage page
// (shown once, copied with a button), a new person in another browser follows it, signs up and is
// in the group; without a link, or with a revoked one, the API's refusal is said in words.
// Approval: the sign-up is told it waits for staff (202). Closed: the page says so at once.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Group } from "../src/api/types";
import {
  apiGet,
  launch,
  newPage,
  passesAtBothWidths,
  PASSWORD,
  register,
  signIn,
  unique,
} from "./browser";
import { Servers, freePort } from "./servers";

/** A gunicorn and hub with `mode`, the rest of the stack's settings as they are. */
async function modeServers(servers: Servers, mode: string): Promise<string> {
  const [apiPort, hubPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  const hub = `http://127.0.0.1:${hubPort}`;
  const env = {
    ...process.env,
    ...inject("stackEnv"),
    SITE_URL: hub,
    HUB_URL: hub,
    DJANGO_CSRF_TRUSTED_ORIGINS: hub,
    REGISTRATION_MODE: mode,
  };
  const web = servers.gunicorn(`${mode}-gunicorn`, apiPort, env);
  const next = servers.hub(`${mode}-hub`, hubPort, api, env);
  await servers.waitFor(`${api}/healthz`, "gunicorn", web);
  await servers.waitFor(`${hub}/signin`, "the hub", next);
  return hub;
}

async function pageOn(browser: Browser, hub: string, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: hub, viewport: { width, height: width < 600 ? 800 : 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

async function fillSignUp(page: Page, username: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Join Divan" }).click();
}

async function session(page: Page): Promise<{ user: { username: string } | null }> {
  return (await page.request.get("/api/auth/session/")).json();
}

describe("sign-up links and registration modes, in the hub", () => {
  const servers = new Servers();
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await servers.stop();
  });

  it("invite-only: a link made on the Manage page lets a new person in, into the group; none, or a revoked one, is refused in words", async () => {
    // The owner joins on the stack's own (open) hub and starts a group there.
    const owner = unique("ines");
    const groupName = `Night owls ${unique("")}`;
    const { page: setup, context: setupContext } = await newPage(browser);
    await register(setup, owner);
    await setup.goto("/groups/new");
    await setup.getByLabel("Name").fill(groupName);
    await setup.getByRole("radio", { name: /^Private:/ }).check(); // joining needs approval: only the link lets one in
    await setup.getByRole("button", { name: "Start the group" }).click();
    await setup.getByRole("heading", { level: 1, name: groupName }).waitFor();
    const groupId = Number(new URL(setup.url()).pathname.split("/")[2]);
    await setupContext.close();

    const hub = await modeServers(servers, "invite-only");
    const { page, context } = await pageOn(browser, hub);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hub });
    await signIn(page, owner, PASSWORD);
    await page.goto(`/g/${groupId}/manage`);
    const links = page.getByRole("region", { name: "Sign-up links" });
    await links.getByText("No sign-up links.").waitFor();
    await links.getByLabel("How many sign-ups it lets in").fill("2");
    await links.getByLabel("For how many days (optional; empty: the site's default)").fill("3");
    await links.getByRole("button", { name: "Make a link" }).click();
    const shown = links.getByLabel("Sign-up link", { exact: true });
    await shown.waitFor();
    const link = await shown.inputValue();
    expect(link).toMatch(new RegExp(`^${hub}/register\\?invitation=[^&]+$`));
    await links.getByRole("button", { name: "Copy the link" }).click();
    await links.getByText("Copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await links.locator("[data-signup-invitation]").getByText("0 of 2 sign-ups used").waitFor();
    await passesAtBothWidths(page, "manage-signup-link");
    // Shown this once: the list, read again, has no key.
    await page.reload();
    await links.locator("[data-signup-invitation]").first().waitFor();
    expect(await links.getByLabel("Sign-up link", { exact: true }).count()).toBe(0);
    expect(await page.locator("main").textContent()).not.toContain(new URL(link).searchParams.get("invitation"));

    // Someone without a link is refused, in words, and nothing is made.
    const newcomer = unique("nico");
    const { page: other, context: otherContext } = await pageOn(browser, hub, 375);
    await other.goto("/register");
    await fillSignUp(other, newcomer);
    await expect
      .poll(() => other.getByRole("main").getByRole("alert").textContent())
      .toBe("Sign-up here is by invitation: open the invitation link you were sent.");
    expect((await session(other)).user).toBeNull();
    await passesAtBothWidths(other, "register-invite-only");

    // With the link: signed up, signed in, and a member of the group.
    await other.goto(link);
    await other.getByText("You were invited").waitFor();
    await fillSignUp(other, newcomer);
    await other.getByRole("heading", { name: "Check your mail" }).waitFor();
    expect((await session(other)).user?.username).toBe(newcomer);
    const group = await apiGet<Group>(other, `groups/${groupId}/`);
    expect(group).toMatchObject({ member_count: 2, membership: { role: "member" } });
    await other.goto(`/g/${groupId}`);
    await other.getByText("You are a member").waitFor();
    await otherContext.close();

    // The owner sees the use, and revokes the link; whoever follows it now is refused.
    await page.reload();
    const row = links.locator("[data-signup-invitation]").first();
    await row.getByText("1 of 2 sign-ups used").waitFor();
    await row.getByRole("button", { name: /^Revoke link/ }).click();
    await row.getByText(/^Revoked/).waitFor();
    const { page: late, context: lateContext } = await pageOn(browser, hub);
    await late.goto(link);
    await fillSignUp(late, unique("lena"));
    await expect
      .poll(() => late.getByRole("main").getByRole("alert").textContent())
      .toBe("This invitation link is not valid: it is unknown, expired or used up.");
    expect((await session(late)).user).toBeNull();
    await lateContext.close();
    await context.close();
  });

  it("approval: the sign-up is told it waits for staff, and nobody is signed in", async () => {
    const hub = await modeServers(servers, "approval");
    const { page, context } = await pageOn(browser, hub, 375);
    await page.goto("/register");
    await fillSignUp(page, unique("abel"));
    await page.getByRole("heading", { name: "Waiting for approval" }).waitFor();
    await expect
      .poll(() => page.getByRole("main").getByRole("status").textContent())
      .toContain("Staff approve every new account here");
    expect((await session(page)).user).toBeNull();
    await passesAtBothWidths(page, "register-approval");
    await context.close();
  });

  it("closed: the sign-up page says so at once, with no form", async () => {
    const hub = await modeServers(servers, "closed");
    const { page, context } = await pageOn(browser, hub, 375);
    await page.goto("/register");
    await page.getByRole("heading", { name: "Sign-up is closed" }).waitFor();
    expect(await page.getByLabel("Username").count()).toBe(0);
    await passesAtBothWidths(page, "register-closed");
    await context.close();
  });
});
