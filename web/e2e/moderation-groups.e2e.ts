// Running a group from the hub, as each role of the demo data: the Manage page's sections
// (members and roles, join requests, invitations, bans, settings and archiving) and the
// moderation page (reports with their content, closed reports, the log in sentences) appear
// exactly for the roles the API's `permissions` allow, work, and their effect is seen by the
// person concerned. Demo data: alice owns Divan Lounge (bob admin, carol moderator, dave and
// erin members, frank banned); bob owns Book Club (private; carol moderates, alice is a member,
// dave has asked to join); alice owns Founders (secret).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Member, Page as ApiPage } from "../src/api/types";
import { HUB, accessibilityProblems, apiGet, eventually, launch, newPage, register, screenshot, signIn, unique } from "./browser";
import { send } from "./http";

type Person = { context: BrowserContext; page: Page };
const DEMO = ["alice", "bob", "carol", "dave", "erin", "frank"] as const;
const SECTIONS = ["Requests to join", "Members and roles", "Invitations", "Sign-up links", "Bans", "Settings"];

async function cookieOf(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
}

async function headings(page: Page): Promise<string[]> {
  return (await page.getByRole("heading", { level: 2 }).allInnerTexts()).map((text) => text.trim());
}

describe("running a group, as each role", () => {
  let browser: Browser;
  const people = {} as Record<(typeof DEMO)[number] | "outsider" | "anonymous", Person>;
  let lounge: Group;
  let bookClub: Group;
  let founders: Group;

  beforeAll(async () => {
    browser = await launch();
    for (const name of DEMO) {
      people[name] = await newPage(browser);
      await signIn(people[name].page, name);
    }
    people.outsider = await newPage(browser);
    await register(people.outsider.page, unique("olga"));
    people.anonymous = await newPage(browser);
    const mine = await apiGet<ApiPage<Group>>(people.alice.page, "groups/?mine=true");
    lounge = mine.results.find((group) => group.slug === "divan-lounge") as Group;
    bookClub = mine.results.find((group) => group.slug === "book-club") as Group;
    founders = mine.results.find((group) => group.slug === "founders") as Group;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows each role of the lounge exactly the sections it may use", async () => {
    const expected: Record<string, string[] | null> = {
      alice: SECTIONS,
      bob: SECTIONS,
      carol: ["Requests to join", "Invitations", "Bans"],
      dave: null,
      outsider: null,
      anonymous: null,
    };
    for (const [who, sections] of Object.entries(expected)) {
      const { page } = people[who as keyof typeof people];
      await page.goto(`/g/${lounge.id}`);
      await page.getByRole("heading", { level: 1, name: "Divan Lounge" }).waitFor();
      const manage = page.getByRole("link", { name: "Manage", exact: true });
      const moderation = page.getByRole("link", { name: "Reports and moderation log" });
      expect([who, await manage.count(), await moderation.count()]).toEqual([who, sections ? 1 : 0, sections ? 1 : 0]);
      const status = (await page.goto(`/g/${lounge.id}/manage`))?.status();
      if (!sections) {
        expect([who, status]).toEqual([who, 403]);
        await page.getByRole("heading", { name: "Not for you" }).waitFor();
        continue;
      }
      expect([who, status]).toEqual([who, 200]);
      await page.getByRole("heading", { level: 1, name: /Manage/ }).waitFor();
      expect([who, await headings(page)]).toEqual([who, sections]);
      // Archiving is the owner's alone; the admin edits the settings.
      const archive = page.getByRole("button", { name: "Archive group…" });
      expect([who, await archive.count()]).toEqual([who, who === "alice" ? 1 : 0]);
    }
  });

  it("answers the member, the outsider and nobody signed in a 403 status for the manage page, and a secret group's a 404", async () => {
    for (const who of ["dave", "outsider", "anonymous"] as const) {
      const cookie = await cookieOf(people[who].context);
      const answer = await send(HUB(), `/g/${lounge.id}/manage`, { headers: cookie ? { cookie } : {} });
      expect([who, answer.status]).toEqual([who, 403]);
      expect(answer.body).not.toContain("Members and roles");
    }
    for (const who of ["outsider", "anonymous", "carol"] as const) {
      // carol is only invited to Founders: she sees the group, and may manage nothing of it.
      const cookie = await cookieOf(people[who].context);
      const answer = await send(HUB(), `/g/${founders.id}/manage`, { headers: cookie ? { cookie } : {} });
      expect([who, answer.status]).toEqual([who, who === "carol" ? 403 : 404]);
    }
  });

  it("lets carol approve dave's request to Book Club, and dave then reads its posts", async () => {
    const { page } = people.carol;
    await page.goto(`/g/${bookClub.id}/manage`);
    expect(await headings(page)).toEqual(["Requests to join", "Invitations", "Bans"]);
    await page.getByRole("button", { name: "Approve dave" }).click();
    await page.locator('[data-request="dave"]').waitFor({ state: "detached" });
    const dave = people.dave.page;
    await dave.goto(`/g/${bookClub.id}`);
    await dave.getByText("You are a member").waitFor();
    await dave.getByRole("link", { name: "November: The Left Hand of Darkness" }).first().waitFor();
  });

  it("lets bob invite erin to Book Club by name, with suggestions, and revoke it; erin sees both", async () => {
    const { page } = people.bob;
    await page.goto(`/g/${bookClub.id}/manage`);
    const box = page.getByLabel("Invite by username");
    await box.fill("er");
    await page.locator('datalist option[value="erin"]').waitFor({ state: "attached" });
    await box.fill("erin");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.locator('[data-invitation="erin"]').waitFor();
    const erin = people.erin.page;
    await erin.goto(`/g/${bookClub.id}`);
    await erin.getByText("You are invited to join").waitFor();
    await erin.getByRole("button", { name: "Join group" }).waitFor();
    // An unknown name is refused in the API's words.
    await box.fill("nobody-by-this-name");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.getByRole("alert").getByText("No such user.").waitFor();
    await page.getByRole("button", { name: "Revoke the invitation of erin" }).click();
    await page.locator('[data-invitation="erin"]').waitFor({ state: "detached" });
    await erin.reload();
    await erin.getByRole("button", { name: "Ask to join" }).waitFor();
    expect(await erin.getByText("You are invited to join").count()).toBe(0);
  });

  it("lets carol ban erin from the lounge with a reason, then unban her; erin sees the notice, then joins again", async () => {
    const frank = people.frank.page;
    await frank.goto(`/g/${lounge.id}`);
    await frank.getByText("You are banned from this group").waitFor();
    expect(await frank.getByRole("button", { name: "Join group" }).count()).toBe(0);

    const { page } = people.carol;
    await page.goto(`/g/${lounge.id}/manage`);
    await page.locator('[data-ban="frank"]').waitFor();
    await page.getByLabel("Ban by username").fill("erin");
    await page.getByLabel("Reason").fill("Flooding the feed");
    await page.getByRole("button", { name: "Ban", exact: true }).click();
    await page.locator('[data-ban="erin"]', { hasText: "Flooding the feed" }).waitFor();
    const erin = people.erin.page;
    await erin.goto(`/g/${lounge.id}`);
    await erin.getByText("You are banned from this group: Flooding the feed.").waitFor();
    expect(await erin.getByRole("button", { name: "Join group" }).count()).toBe(0);

    await page.getByRole("button", { name: "Unban erin" }).click();
    await page.locator('[data-ban="erin"]').waitFor({ state: "detached" });
    await erin.reload();
    await erin.getByRole("button", { name: "Join group" }).click();
    await erin.getByText("You are a member").waitFor();
  });

  it("shows the API's refusal of a role change, and alice makes erin a moderator, who then sees the moderation link", async () => {
    const bob = people.bob.page;
    await bob.goto(`/g/${lounge.id}/manage`);
    // An admin may not make anyone an owner: the API says so.
    await bob.getByLabel("Role of carol").selectOption("owner");
    await bob.locator('[data-member="carol"]').getByRole("button", { name: "Change role" }).click();
    await bob.locator('[data-member="carol"]').getByRole("alert").waitFor();

    const { page } = people.alice;
    await page.goto(`/g/${lounge.id}/manage`);
    await page.getByLabel("Role of erin").selectOption("moderator");
    await page.locator('[data-member="erin"]').getByRole("button", { name: "Change role" }).click();
    await page.locator('[data-member="erin"] .badge', { hasText: "moderator" }).waitFor();
    const erin = people.erin.page;
    await erin.goto(`/g/${lounge.id}`);
    await erin.getByRole("link", { name: "Reports and moderation log" }).waitFor();
    await erin.getByRole("link", { name: "Manage", exact: true }).waitFor();
    await page.goto(`/g/${lounge.id}/moderation`);
    await page.getByText("alice made erin a moderator").waitFor();
    await page.getByText("carol banned erin — Flooding the feed").waitFor();

    // and back to a member, as the demo data has her: the other files share this stack
    await page.goto(`/g/${lounge.id}/manage`);
    await page.getByLabel("Role of erin").selectOption("member");
    await page.locator('[data-member="erin"]').getByRole("button", { name: "Change role" }).click();
    await eventually(page, async () => {
      const members = await apiGet<ApiPage<Member>>(page, `groups/${lounge.id}/members/?page_size=100`);
      return members.results.some((member) => member.user.username === "erin" && member.role === "member");
    });
  });

  it("lets an admin remove a member, who can then join again", async () => {
    const { page } = people.bob;
    await page.goto(`/g/${lounge.id}/manage`);
    await page.getByRole("button", { name: "Remove dave" }).click();
    await page.locator('[data-member="dave"]').waitFor({ state: "detached" });
    const dave = people.dave.page;
    await dave.goto(`/g/${lounge.id}`);
    await dave.getByRole("button", { name: "Join group" }).click();
    await dave.getByText("You are a member").waitFor();
  });

  it("shows carol the reported post in the queue, hides it with a note, and keeps the closed report browsable", async () => {
    const { page } = people.carol;
    await page.goto(`/g/${lounge.id}/moderation`);
    const report = page.locator("li.report-item", { hasText: "Buy cheap watches" });
    await report.getByText("Post by dave").waitFor();
    await report.getByLabel("Note (optional)").fill("spam");
    await report.getByRole("button", { name: "Hide it and resolve" }).click();
    await report.waitFor({ state: "detached" });
    await page.getByText("carol hid dave's post “Buy cheap watches at my shop!!!” — spam").waitFor();
    await page.getByRole("link", { name: "Resolved" }).click();
    await page.getByRole("heading", { name: "Resolved reports" }).waitFor();
    const closed = page.locator("li.report-item", { hasText: "Buy cheap watches" });
    await closed.getByText("Resolved by carol").waitFor();
    await closed.getByText("Hidden", { exact: true }).waitFor();
    expect(await closed.getByRole("button").count()).toBe(0);
    expect((await page.goto(`/g/${lounge.id}/moderation?status=dismissed`))?.status()).toBe(200);
    await page.getByRole("heading", { name: "Dismissed reports" }).waitFor();
  });

  it("lets a new owner edit the group's settings and archive it, with a confirm", async () => {
    const { page } = people.outsider;
    const name = unique("Quilters ");
    await page.goto("/groups/new");
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Start the group" }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    const id = page.url().split("/g/")[1];
    await page.getByRole("link", { name: "Manage", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: /Manage/ }).waitFor();
    await page.getByLabel("About").fill("Squares, every Sunday.");
    await page.getByLabel("Tags (separated by commas)").fill("crafts, sewing");
    await page.getByLabel("Visibility").selectOption("private");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    const group = await apiGet<Group>(page, `groups/${id}/`);
    expect([group.description, group.tags, group.visibility]).toEqual(["Squares, every Sunday.", ["crafts", "sewing"], "private"]);
    await page.getByRole("button", { name: "Archive group…" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("button", { name: "Archive group…" }).click();
    await page.getByRole("button", { name: "Yes, archive it" }).click();
    await page.waitForURL("**/groups");
    expect((await page.goto(`/g/${id}`))?.status()).toBe(404);
  });

  for (const width of [375, 1280]) {
    it(`finds nothing serious with axe on the manage page at ${width} px`, async () => {
      const { page, context } = await newPage(browser, width);
      await signIn(page, "alice");
      for (const path of [`/g/${lounge.id}/manage`, `/g/${lounge.id}/moderation?status=resolved`]) {
        await page.goto(path);
        await page.getByRole("heading", { level: 1 }).first().waitFor();
        await page.waitForLoadState("networkidle");
        expect(await accessibilityProblems(page), `${path} at ${width} px`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(width);
        await screenshot(page, `${path.includes("manage") ? "manage" : "moderation-resolved"}-${width}`);
      }
      await context.close();
    });
  }
});
