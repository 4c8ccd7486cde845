// Issue 21's "Done means" in real Chromium on the real stack, and the hub's notification parts:
// ben replies to ana's post, ana's bell lights up, the reply is in her inbox (and marked read),
// a mail for it reaches the stack's SMTP server; she mutes the thread, ben replies again, and
// once the notifications consumer has taken that event she hears nothing of it (a later reply
// in another thread arrives, alone). Then: a block from a profile takes the blocked person's post
// out of the blocker's feed, and is undone from the settings; preferences and a group's level
// persist; the unsubscribe page works with a token from a real mail, and refuses a bad one.
import { execFileSync } from "node:child_process";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Group, Notification, Page as ApiPage, PostLevel, Preferences, Unread } from "../src/api/types";
import {
  apiGet,
  HUB,
  launch,
  newPage,
  passesAtBothWidths,
  register,
  screenshot,
  unique,
} from "./browser";
import { type Mail, linkIn, mailTo, mails } from "./mail";
import { PYTHON, ROOT } from "./servers";

/** The first mail to `address`, not in `seen`, whose text has `text`: mail goes after a sweep. */
async function mailWith(address: string, text: string, seen: Set<string>, seconds = 30): Promise<Mail> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = mails().find((mail) => mail.to.includes(address) && !seen.has(mail.file) && mail.text.includes(text));
    if (found) {
      seen.add(found.file);
      return found;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${address} with "${text}" within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Whether the notifications consumer has applied the comment.created event of `commentId`. */
function consumed(commentId: number): boolean {
  const script = [
    "from divan.events.models import OutboxEvent, ProcessedEvent",
    `ids = OutboxEvent.objects.filter(type="comment.created", aggregate_type="comment", aggregate_id=${commentId})`,
    'done = ProcessedEvent.objects.filter(consumer="notifications", event_id__in=ids.values("event_id")).exists()',
    'print(f"consumed={done}")',
  ].join("\n");
  const env = { ...process.env, ...inject("stackEnv") };
  // the last line: Django may log to stdout before it
  const output = execFileSync(PYTHON, ["manage.py", "shell", "-c", script], { cwd: ROOT, env, encoding: "utf8" });
  return output.includes("consumed=True");
}

async function until(check: () => Promise<boolean> | boolean, what: string, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const bell = (page: Page) => page.getByRole("banner").getByRole("link", { name: /^Notifications/ });

async function post(page: Page, groupId: number, title: string, body: string): Promise<number> {
  await page.goto(`/g/${groupId}`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("What's on your mind?").fill(body);
  await page.getByRole("button", { name: "Post", exact: true }).click();
  const card = page.locator("article.post", { hasText: title });
  await card.waitFor();
  return Number(await card.getAttribute("data-post"));
}

async function comment(page: Page, postId: number, body: string): Promise<number> {
  await page.goto(`/p/${postId}`);
  await page.getByLabel("Your comment").fill(body);
  await page.getByRole("button", { name: "Comment", exact: true }).click();
  const written = page.locator("li.comment", { has: page.locator("p.body", { hasText: body }) });
  await written.waitFor();
  return Number(await written.getAttribute("data-comment"));
}

async function join(page: Page, groupId: number) {
  await page.goto(`/g/${groupId}`);
  await page.getByRole("button", { name: "Join group" }).click();
  await page.getByText("You are a member").waitFor();
}

describe("notifications in the hub", () => {
  let browser: Browser;
  let ana: { context: BrowserContext; page: Page };
  let ben: { context: BrowserContext; page: Page };
  const anaName = unique("ana");
  const benName = unique("ben");
  const anaEmail = `${anaName}@example.com`;
  const seen = new Set<string>();
  let lounge = 0;
  let postId = 0;
  let otherPostId = 0;
  let firstMail: Mail;

  beforeAll(async () => {
    browser = await launch();
    ana = await newPage(browser);
    ben = await newPage(browser);
    await register(ana.page, anaName);
    // mail goes only to a verified address: ana follows her verification link
    const verification = await mailTo(anaEmail, /confirm your email/i, { seen });
    await ana.page.goto(linkIn(verification, `${HUB()}/account/verify-email/`));
    await ana.page.getByRole("button", { name: "Verify this address" }).click();
    await ana.page.getByRole("heading", { name: "Address verified" }).waitFor();
    await register(ben.page, benName);
    const groups = await apiGet<ApiPage<Group>>(ana.page, "groups/");
    lounge = (groups.results.find((group) => group.slug === "divan-lounge") as Group).id;
    await join(ana.page, lounge);
    await join(ben.page, lounge);
    postId = await post(ana.page, lounge, `Tomatoes in March ${anaName}`, "When do you sow yours?");
    otherPostId = await post(ana.page, lounge, `Compost ${anaName}`, "Hot or cold?");
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("tells ana of ben's reply: the bell, the inbox (marked read) and a mail; muted, the thread says nothing more", async () => {
    const { page } = ana;
    await page.goto("/");
    expect(await bell(page).getAttribute("aria-label")).toBe("Notifications");

    const replyId = await comment(ben.page, postId, "Mine go in the ground in April.");
    const replied = Date.now();
    // In the inbox within a second of the commit (the API's count, read as the bell reads it)...
    await until(async () => (await apiGet<Unread>(page, "notifications/unread/")).total === 1, "the reply in the inbox", 10);
    const delay = Date.now() - replied;
    console.log(`the reply reached ana's inbox ${delay} ms after ben saw his comment`);
    expect(delay).toBeLessThan(3000);
    // ...and the bell, which the live stream tells of the new count, lights up.
    await expect.poll(() => bell(page).getAttribute("aria-label"), { timeout: 15_000 }).toBe("Notifications, 1 unread");
    expect(await bell(page).innerText()).toContain("1");

    // The mail (a reply is mailed by default); it goes only while the item is unread.
    firstMail = await mailWith(anaEmail, `${benName} commented on your post “Tomatoes in March ${anaName}”`, seen);
    expect(firstMail.text).toContain(`${HUB()}/p/${postId}#comment-${replyId}`);

    await page.goto("/notifications");
    const item = page.locator("li.inbox-item", { hasText: `${benName} replied to your post` });
    await item.waitFor();
    expect(await item.getByText("New").count()).toBe(1);
    expect(await item.getByRole("link").getAttribute("href")).toBe(`/p/${postId}#comment-${replyId}`);
    await expect
      .poll(async () => (await apiGet<ApiPage<Notification>>(page, "notifications/")).results.map((n) => [n.type, n.read]))
      .toEqual([["post_reply", true]]);
    await expect.poll(() => bell(page).getAttribute("aria-label"), { timeout: 15_000 }).toBe("Notifications");
    await screenshot(page, "notifications-reply-1280");

    // She follows it to the thread and mutes it.
    await item.getByRole("link").click();
    await page.locator(`li#comment-${replyId}`).waitFor();
    const thread = page.getByRole("region", { name: /This thread/ });
    await thread.getByText("Watching", { exact: true }).waitFor();
    await thread.getByRole("button", { name: "Mute the thread" }).click();
    await thread.getByText("Muted", { exact: true }).waitFor();
    expect(await apiGet<PostLevel>(page, `posts/${postId}/notification-level/`)).toEqual({ level: "muted", watching: false });
    await passesAtBothWidths(page, "post-muted");
    await page.setViewportSize({ width: 1280, height: 900 });

    const mailsBefore = mails().filter((mail) => mail.to.includes(anaEmail)).length;
    const mutedId = await comment(ben.page, postId, "Still sowing in April?");
    await until(() => consumed(mutedId), "the notifications consumer takes the muted reply's event");
    expect((await apiGet<Unread>(page, "notifications/unread/")).total).toBe(0);
    const inbox = await apiGet<ApiPage<Notification>>(page, "notifications/");
    expect(inbox.results.some((n) => n.comment?.id === mutedId)).toBe(false);

    // A reply in another thread arrives, alone: its mail lists it and nothing of the muted one.
    const laterId = await comment(ben.page, otherPostId, "Cold, always.");
    const later = await mailWith(anaEmail, `commented on your post “Compost ${anaName}”`, seen);
    expect(later.text).toContain(`${HUB()}/p/${otherPostId}#comment-${laterId}`);
    expect(later.text).not.toContain(`/p/${postId}#`);
    expect(mails().filter((mail) => mail.to.includes(anaEmail)).length).toBe(mailsBefore + 1);
    await page.reload();
    await expect.poll(() => bell(page).getAttribute("aria-label"), { timeout: 15_000 }).toBe("Notifications, 1 unread");
    const after = await apiGet<ApiPage<Notification>>(page, "notifications/?unread=true");
    expect(after.results.map((n) => n.comment?.id)).toEqual([laterId]);
  }, 150_000);

  it("blocks from a profile: the blocked person's post leaves the blocker's feed; undone from the settings", async () => {
    const title = `Bike ride ${benName}`;
    const benPost = await post(ben.page, lounge, title, "Saturday, 8 am, from the bridge.");
    const { page } = ana;
    const inRecentFeed = async () => {
      await page.goto("/");
      await page.getByRole("button", { name: "Recent" }).click();
      await page.waitForLoadState("networkidle");
      await page.locator(".spinner").first().waitFor({ state: "detached" });
      return (await page.locator(`article.post[data-post="${benPost}"]`).count()) === 1;
    };
    await until(inRecentFeed, "ben's post in ana's feed", 30);

    await page.goto(`/u/${benName}`);
    await page.getByRole("button", { name: "Block", exact: true }).click();
    await page.getByText(`Block ${benName}? Nothing ${benName} does will notify you`).waitFor();
    await passesAtBothWidths(page, "profile-block-confirm");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("button", { name: `Yes, block ${benName}` }).click();
    await page.getByText(`You block ${benName}`).waitFor();
    await page.getByRole("button", { name: "Unblock" }).waitFor();
    expect((await apiGet<{ viewer_block: string | null }>(page, `users/${benName}/`)).viewer_block).toBe("block");
    expect(await inRecentFeed()).toBe(false);

    await page.goto("/account/notifications");
    const blocked = page.getByRole("listitem").filter({ hasText: benName });
    await blocked.getByText("Blocked").waitFor();
    await passesAtBothWidths(page, "notification-settings-blocks");
    await page.setViewportSize({ width: 1280, height: 900 });
    await blocked.getByRole("button", { name: `Unblock ${benName}` }).click();
    await page.getByText("You block or mute nobody.").waitFor();
    expect((await apiGet<ApiPage<unknown>>(page, "blocks/")).results).toEqual([]);
    expect(await inRecentFeed()).toBe(true);

    // A mute hides nothing: the post stays, and Unmute undoes it.
    await page.goto(`/u/${benName}`);
    await page.getByRole("button", { name: "Mute", exact: true }).click();
    await page.getByRole("button", { name: `Yes, mute ${benName}` }).click();
    await page.getByText(`You mute ${benName}`).waitFor();
    expect(await inRecentFeed()).toBe(true);
    await page.goto(`/u/${benName}`);
    await page.getByRole("button", { name: "Unmute" }).click();
    await page.getByRole("button", { name: "Mute", exact: true }).waitFor();
    expect((await apiGet<{ viewer_block: string | null }>(page, `users/${benName}/`)).viewer_block).toBeNull();
  });

  it("keeps a changed preference and the digest switch after a reload", async () => {
    const { page } = ana;
    await page.goto("/account/notifications");
    const mentions = page.getByLabel("Mentions of you");
    expect(await mentions.inputValue()).toBe("mail");
    await mentions.selectOption("off");
    await page.getByText("Saved. Mentions of you: Off.").waitFor();
    const digest = page.getByRole("checkbox", { name: /digest/ });
    expect(await digest.isChecked()).toBe(true);
    await digest.click(); // the box follows the server's answer
    await page.getByText("Saved. The digest is off.").waitFor();
    expect(await digest.isChecked()).toBe(false);
    await page.reload();
    expect(await page.getByLabel("Mentions of you").inputValue()).toBe("off");
    expect(await page.getByRole("checkbox", { name: /digest/ }).isChecked()).toBe(false);
    const preferences = await apiGet<Preferences>(page, "notifications/preferences/");
    expect(preferences.digest).toBe(false);
    expect(preferences.types.find((type) => type.type === "mention")?.delivery).toBe("off");
  });

  it("keeps a group's level after a reload", async () => {
    const { page } = ana;
    await page.goto(`/g/${lounge}`);
    const levels = page.getByRole("group", { name: "Notifications from this group" });
    expect(await levels.getByRole("button", { name: "Default" }).getAttribute("aria-pressed")).toBe("true");
    await levels.getByRole("button", { name: "Watch" }).click();
    await levels.getByText("Watching: you are told of every new post").waitFor();
    await passesAtBothWidths(page, "group-watching");
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.reload();
    expect(await levels.getByRole("button", { name: "Watch" }).getAttribute("aria-pressed")).toBe("true");
    expect(await apiGet<{ level: string }>(page, `groups/${lounge}/notification-level/`)).toEqual({ level: "watching" });
    await levels.getByRole("button", { name: "Default" }).click();
    await levels.getByText("Default: you are told of replies").waitFor();
    expect(await apiGet<{ level: string }>(page, `groups/${lounge}/notification-level/`)).toEqual({ level: "default" });
  });

  it("unsubscribes with the link of a real mail, signed out, and refuses a bad link with a 400", async () => {
    const link = linkIn(firstMail, `${HUB()}/unsubscribe?token=`);
    const { page, context } = await newPage(browser);
    await page.goto(link);
    await page.getByRole("heading", { level: 1, name: "Unsubscribe" }).waitFor();
    const main = page.getByRole("main");
    await expect.poll(() => main.textContent()).toContain("Replies to your posts");
    expect(await main.textContent()).toContain("a***@example.com");
    // reading the link changed nothing
    expect(
      (await apiGet<Preferences>(ana.page, "notifications/preferences/")).types.find((t) => t.type === "post_reply")
        ?.delivery,
    ).toBe("mail");
    await passesAtBothWidths(page, "unsubscribe");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("heading", { level: 1, name: "Unsubscribed" }).waitFor();
    await passesAtBothWidths(page, "unsubscribe-done");
    expect(
      (await apiGet<Preferences>(ana.page, "notifications/preferences/")).types.find((t) => t.type === "post_reply")
        ?.delivery,
    ).toBe("hub");

    const refused = await page.goto(`/unsubscribe?token=${encodeURIComponent("not-a-token")}`);
    expect(refused?.status()).toBe(400);
    await expect
      .poll(() => page.getByRole("main").getByRole("alert").textContent())
      .toContain("This unsubscribe link is not valid");
    await passesAtBothWidths(page, "unsubscribe-refused");
    await context.close();
  });
});
