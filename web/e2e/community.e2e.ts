// Issue 18's "Done means", with only the hub, as three people who sign up through it: the first
// starts a private group, approves the second's request and invites the third by name; pins a
// welcome post; hides the second's spam from the third's report (a 404 status for the others)
// and restores it; bans the second with a reason and unbans them (who asks again and is
// approved); and makes the third a moderator, who can then open the moderation page.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HUB, launch, newPage, register } from "./browser";
import { send } from "./http";

type Person = { context: BrowserContext; page: Page };

async function cookieOf(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
}

describe("a new person runs a community from the hub", () => {
  let browser: Browser;
  let owner: Person;
  let friend: Person;
  let invitee: Person;
  const run = Date.now();
  const ownerName = `nadia${run}`;
  const friendName = `sam${run}`;
  const inviteeName = `tara${run}`;
  const groupName = `Night owls ${run}`;
  const welcome = `Welcome to the owls ${run}`;
  const spam = `Cheap pills here ${run}`;
  let groupId = "";
  let spamId = "";

  beforeAll(async () => {
    browser = await launch();
    [owner, friend, invitee] = await Promise.all([1, 2, 3].map(() => newPage(browser)));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs up and starts a private group", async () => {
    const { page } = owner;
    await register(page, ownerName);
    await page.goto("/groups/new");
    await page.getByLabel("Name").fill(groupName);
    await page.getByLabel("About").fill("For those awake at three.");
    await page.getByRole("radio", { name: /Private/ }).check();
    await page.getByRole("button", { name: "Start the group" }).click();
    await page.getByRole("heading", { level: 1, name: groupName }).waitFor();
    groupId = new URL(page.url()).pathname.split("/")[2];
    await page.getByText("You are the owner").waitFor();
    await page.getByRole("link", { name: "Manage", exact: true }).waitFor();
  });

  it("approves a second person's request on the Manage page, who then reads the posts", async () => {
    const { page } = friend;
    await register(page, friendName);
    await page.goto("/groups");
    await page.getByLabel("Find groups").fill(groupName);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("region", { name: "All groups" }).getByRole("link", { name: groupName }).click();
    await page.getByText("This group is private: only its members see its posts.").waitFor();
    await page.getByRole("button", { name: "Ask to join" }).click();
    await page.getByText("Your request to join is waiting for a moderator").waitFor();

    await owner.page.goto(`/g/${groupId}/manage`);
    await owner.page.getByRole("button", { name: `Approve ${friendName}` }).click();
    await owner.page.locator(`[data-request="${friendName}"]`).waitFor({ state: "detached" });
    await owner.page.locator(`[data-member="${friendName}"]`).waitFor();

    await page.reload();
    await page.getByText("You are a member").waitFor();
    await page.getByRole("heading", { level: 2, name: "Posts" }).waitFor();
    expect(await page.getByText("only its members see its posts").count()).toBe(0);
  });

  it("invites a third person by name, with suggestions; they see it and join", async () => {
    await register(invitee.page, inviteeName);
    const { page } = owner;
    await page.goto(`/g/${groupId}/manage`);
    const box = page.getByLabel("Invite by username");
    await box.fill(inviteeName.slice(0, -3));
    await page.locator(`datalist option[value="${inviteeName}"]`).waitFor({ state: "attached" });
    await box.fill(inviteeName);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.locator(`[data-invitation="${inviteeName}"]`).waitFor();

    const tara = invitee.page;
    await tara.goto(`/g/${groupId}`);
    await tara.getByText("You are invited to join").waitFor();
    await tara.getByRole("button", { name: "Join group" }).click();
    await tara.getByText("You are a member").waitFor();
  });

  it("writes a welcome post and pins it; the second person sees it pinned", async () => {
    const { page } = owner;
    await page.goto(`/g/${groupId}`);
    await page.getByLabel("Title").fill(welcome);
    await page.getByLabel("What's on your mind?").fill("Be kind, stay up late.");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    const card = page.locator("article.post", { hasText: welcome });
    await card.waitFor();
    const welcomeId = await card.first().getAttribute("data-post");
    await page.goto(`/p/${welcomeId}`);
    await page.getByRole("button", { name: "Pin", exact: true }).click();
    await page.getByRole("button", { name: "Unpin", exact: true }).waitFor();

    await friend.page.goto(`/g/${groupId}`);
    const pinned = friend.page.getByRole("region", { name: "Pinned" }).locator(`article[data-post="${welcomeId}"]`);
    await pinned.waitFor();
    await pinned.locator(".badge", { hasText: "Pinned" }).waitFor();
  });

  it("hides the second person's spam from the third's report, a 404 for the others, then restores it", async () => {
    const sam = friend.page;
    await sam.goto(`/g/${groupId}`);
    await sam.getByLabel("Title").fill(spam);
    await sam.getByLabel("What's on your mind?").fill("Visit my shop for deals!!!");
    await sam.getByRole("button", { name: "Post", exact: true }).click();
    const card = sam.locator("article.post", { hasText: spam });
    await card.waitFor();
    spamId = (await card.first().getAttribute("data-post")) as string;

    const tara = invitee.page;
    await tara.goto(`/p/${spamId}`);
    const post = tara.locator("article.post");
    await post.getByRole("button", { name: "Report" }).click();
    await post.getByLabel("Why are you reporting this?").selectOption("spam");
    await post.getByLabel("Details (optional)").fill("An advert for pills.");
    await post.getByRole("button", { name: "Send report" }).click();
    await post.getByText("Reported: thank you").waitFor();

    const { page } = owner;
    await page.goto(`/g/${groupId}`);
    await page.getByRole("link", { name: "Reports and moderation log" }).click();
    const report = page.locator("li.report-item", { hasText: "An advert for pills." });
    await report.getByText(spam).first().waitFor();
    await report.getByRole("button", { name: "Hide it and resolve" }).click();
    await report.waitFor({ state: "detached" });
    await page.getByText(`${ownerName} hid ${friendName}'s post “${spam}”`).waitFor();

    for (const person of [friend, invitee]) {
      const answer = await send(HUB(), `/p/${spamId}`, { headers: { cookie: await cookieOf(person.context) } });
      expect(answer.status).toBe(404);
    }
    expect((await send(HUB(), `/p/${spamId}`)).status).toBe(404);

    await page.goto(`/p/${spamId}`);
    await page.locator("article.post .badge", { hasText: "Hidden" }).waitFor();
    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByRole("form", { name: "Restore" }).getByRole("button", { name: "Restore post" }).click();
    await page.getByRole("button", { name: "Hide", exact: true }).waitFor();

    expect((await sam.goto(`/p/${spamId}`))?.status()).toBe(200);
    await sam.getByRole("heading", { level: 1, name: spam }).waitFor();
  });

  it("bans the second person with a reason, who sees it and no Join; unbans, and they are approved again", async () => {
    const { page } = owner;
    await page.goto(`/g/${groupId}/manage`);
    await page.getByLabel("Ban by username").fill(friendName);
    await page.getByLabel("Reason").fill("Selling pills");
    await page.getByRole("button", { name: "Ban", exact: true }).click();
    await page.locator(`[data-ban="${friendName}"]`, { hasText: "Selling pills" }).waitFor();

    const sam = friend.page;
    await sam.goto(`/g/${groupId}`);
    await sam.getByText("You are banned from this group: Selling pills.").waitFor();
    expect(await sam.getByRole("button", { name: /Join group|Ask to join/ }).count()).toBe(0);

    await page.getByRole("button", { name: `Unban ${friendName}` }).click();
    await page.locator(`[data-ban="${friendName}"]`).waitFor({ state: "detached" });
    await sam.reload();
    await sam.getByRole("button", { name: "Ask to join" }).click();
    await sam.getByText("Your request to join is waiting for a moderator").waitFor();

    await page.reload();
    await page.getByRole("button", { name: `Approve ${friendName}` }).click();
    await page.locator(`[data-request="${friendName}"]`).waitFor({ state: "detached" });
    await sam.reload();
    await sam.getByText("You are a member").waitFor();
  });

  it("makes the third person a moderator, who then sees and opens the moderation page", async () => {
    const { page } = owner;
    await page.goto(`/g/${groupId}/manage`);
    const tara = invitee.page;
    await tara.goto(`/g/${groupId}`);
    await tara.getByText("You are a member").waitFor();
    expect(await tara.getByRole("link", { name: "Reports and moderation log" }).count()).toBe(0);

    await page.getByLabel(`Role of ${inviteeName}`).selectOption("moderator");
    await page.locator(`[data-member="${inviteeName}"]`).getByRole("button", { name: "Change role" }).click();
    await page.locator(`[data-member="${inviteeName}"] .badge`, { hasText: "moderator" }).waitFor();

    await tara.reload();
    await tara.getByRole("link", { name: "Reports and moderation log" }).click();
    await tara.waitForURL(`**/g/${groupId}/moderation`);
    expect((await tara.goto(`/g/${groupId}/moderation`))?.status()).toBe(200);
    await tara.getByText(`${ownerName} made ${inviteeName} a moderator`).waitFor();
  });
});
