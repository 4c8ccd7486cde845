// Post-level tools in real Chromium, as each role of the demo data (alice owns Divan Lounge,
// carol moderates it, dave and erin are members, frank is banned): each tool shows exactly for
// whoever the API's `permissions` allow, works, and its effect is seen by the others. Then a
// banned person's group page, a secret group, and a person's profile.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { HUB, accessibilityProblems, apiGet, launch, newPage, screenshot, signIn, unique } from "./browser";
import { send } from "./http";

type Person = { context: BrowserContext; page: Page };
const TOOLS = ["Pin", "Unpin", "Lock", "Unlock", "Hide", "Restore", "Delete", "Edit"];

/** The post tools and Edit button shown on the post page's article, by name. */
async function toolsShown(page: Page): Promise<string[]> {
  const post = page.locator("article.post").first();
  await post.waitFor();
  const names = await post.getByRole("button").allTextContents();
  return TOOLS.filter((tool) => names.some((name) => name.trim() === tool));
}

describe("a post's tools, for exactly whoever may use them", () => {
  let browser: Browser;
  let lounge: Group;
  let carol: Person;
  let dave: Person;
  let erin: Person;
  let outsider: Person;
  let postId = 0;
  const title = unique("Hike plan ");

  beforeAll(async () => {
    browser = await launch();
    [carol, dave, erin, outsider] = await Promise.all([1, 2, 3, 4].map(() => newPage(browser)));
    await Promise.all([signIn(carol.page, "carol"), signIn(dave.page, "dave"), signIn(erin.page, "erin")]);
    const groups = await apiGet<ApiPage<Group>>(outsider.page, "groups/");
    lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("lets a member write, edit and see only her own post's tools", async () => {
    const { page } = erin;
    await page.goto(`/g/${lounge.id}`);
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("What's on your mind?").fill("Saturday, nine o'clock, at the station.");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.locator("article.post", { hasText: title }).waitFor();
    const posts = await apiGet<ApiPage<Post>>(page, `groups/${lounge.id}/posts/`);
    postId = (posts.results.find((post) => post.title === title) as Post).id;

    await page.goto(`/p/${postId}`);
    expect(await toolsShown(page)).toEqual(["Delete", "Edit"]);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    const form = page.getByRole("form", { name: "Edit your post" });
    await form.getByLabel("Title").fill(`${title} (moved)`);
    await form.getByLabel("Text").fill("Sunday instead, same time.");
    await form.getByLabel(/Tags/).fill("outdoors, weekend");
    await form.getByRole("button", { name: "Save post" }).click();
    await page.getByRole("heading", { level: 1, name: `${title} (moved)` }).waitFor();
    const saved = await apiGet<Post>(page, `posts/${postId}/`);
    expect(saved.body).toBe("Sunday instead, same time.");
    expect(saved.tags).toEqual(["outdoors", "weekend"]);
    expect(saved.edited_at).not.toBeNull();
  });

  it("shows another member, the banned and the signed out none of them", async () => {
    await dave.page.goto(`/p/${postId}`);
    expect(await toolsShown(dave.page)).toEqual([]);
    await dave.page.getByRole("button", { name: "Report" }).waitFor();
    await outsider.page.goto(`/p/${postId}`);
    expect(await toolsShown(outsider.page)).toEqual([]);
    const frank = await newPage(browser);
    await signIn(frank.page, "frank");
    await frank.page.goto(`/p/${postId}`);
    expect(await toolsShown(frank.page)).toEqual([]);
    await frank.context.close();
  });

  it("lets the moderator pin and lock it, which the members see", async () => {
    const { page } = carol;
    await page.goto(`/p/${postId}`);
    expect(await toolsShown(page)).toEqual(["Pin", "Lock", "Hide", "Delete"]);
    await page.getByRole("button", { name: "Pin", exact: true }).click();
    await page.getByRole("button", { name: "Unpin", exact: true }).waitFor();
    await page.getByRole("button", { name: "Lock", exact: true }).click();
    await page.getByRole("button", { name: "Unlock", exact: true }).waitFor();
    expect(await toolsShown(page)).toEqual(["Unpin", "Unlock", "Hide", "Delete"]);

    await dave.page.goto(`/g/${lounge.id}`);
    const pinned = dave.page.getByRole("region", { name: "Pinned" }).locator(`article[data-post="${postId}"]`);
    await pinned.waitFor();
    expect(await pinned.locator(".badge").allTextContents()).toEqual(["Pinned", "Locked"]);
    await dave.page.goto(`/p/${postId}`);
    await dave.page.getByText("Locked: no new comments").waitFor();
    expect(await dave.page.getByRole("form", { name: "Write a comment" }).count()).toBe(0);

    // On a card in the group's list as well.
    await page.goto(`/g/${lounge.id}`);
    const card = page.getByRole("region", { name: "Pinned" }).locator(`article[data-post="${postId}"]`);
    await card.getByRole("button", { name: "Unlock", exact: true }).click();
    await card.getByRole("button", { name: "Lock", exact: true }).waitFor();
    await card.getByRole("button", { name: "Unpin", exact: true }).click();
    await card.getByRole("button", { name: "Pin", exact: true }).waitFor();
    const now = await apiGet<Post>(dave.page, `posts/${postId}/`);
    expect([now.pinned, now.locked]).toEqual([false, false]);
    await dave.page.goto(`/p/${postId}`);
    await dave.page.getByRole("form", { name: "Write a comment" }).waitFor();
  });

  it("lets the moderator hide it with a reason (a 404 for the members) and restore it", async () => {
    const { page } = carol;
    await page.goto(`/p/${postId}`);
    await page.getByRole("button", { name: "Hide", exact: true }).click();
    const form = page.getByRole("form", { name: "Hide" });
    await form.getByLabel(/Why/).fill("Checking the meeting point first");
    await form.getByRole("button", { name: "Hide post" }).click();
    await page.locator("article.post .badge", { hasText: "Hidden" }).waitFor();
    expect(await toolsShown(page)).toContain("Restore");

    expect((await dave.page.request.get(`/p/${postId}`)).status()).toBe(404);
    expect((await send(HUB(), `/p/${postId}`)).status).toBe(404);
    await page.reload();
    await page.locator("article.post .badge", { hasText: "Hidden" }).waitFor();

    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByRole("form", { name: "Restore" }).getByRole("button", { name: "Restore post" }).click();
    await page.getByRole("button", { name: "Hide", exact: true }).waitFor();
    expect(await page.locator("article.post .badge", { hasText: "Hidden" }).count()).toBe(0);
    expect((await dave.page.request.get(`/p/${postId}`)).status()).toBe(200);
    await dave.page.goto(`/p/${postId}`);
    await dave.page.getByRole("heading", { level: 1, name: `${title} (moved)` }).waitFor();
  });

  it("lets the moderator hide a comment, marked hidden for her and removed for the others", async () => {
    await dave.page.goto(`/p/${postId}`);
    await dave.page.getByLabel("Your comment").fill("I will bring the map.");
    await dave.page.getByRole("button", { name: "Comment", exact: true }).click();
    const mine = dave.page.locator("li.comment", { hasText: "I will bring the map." });
    await mine.waitFor();
    expect(await mine.getByRole("button", { name: "Hide", exact: true }).count()).toBe(0);

    const { page } = carol;
    await page.goto(`/p/${postId}`);
    const comment = page.locator("li.comment", { hasText: "I will bring the map." });
    await comment.getByRole("button", { name: "Hide", exact: true }).click();
    await comment.getByLabel(/Why/).fill("Off topic");
    await comment.getByRole("button", { name: "Hide comment" }).click();
    await comment.locator(".badge", { hasText: "Hidden" }).waitFor();

    await dave.page.reload();
    expect(await dave.page.locator("li.comment", { hasText: "I will bring the map." }).count()).toBe(0);

    await comment.getByRole("button", { name: "Restore", exact: true }).click();
    await comment.getByRole("button", { name: "Restore comment" }).click();
    await comment.getByRole("button", { name: "Hide", exact: true }).waitFor();
    await dave.page.reload();
    await dave.page.locator("li.comment", { hasText: "I will bring the map." }).waitFor();
  });

  it("lets the author delete her post after a confirmation: then it is a 404", async () => {
    const { page } = erin;
    await page.goto(`/p/${postId}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.waitForURL(`**/g/${lounge.id}`);
    expect((await dave.page.request.get(`/p/${postId}`)).status()).toBe(404);
  });

  it("tells a banned person they are banned instead of offering to join", async () => {
    const frank = await newPage(browser);
    await signIn(frank.page, "frank");
    await frank.page.goto(`/g/${lounge.id}`);
    const notice = frank.page.getByRole("status").filter({ hasText: "You are banned from this group" });
    await notice.waitFor();
    expect(await notice.textContent()).toContain("Demo: spam links");
    expect(await frank.page.getByRole("button", { name: /Join group|Ask to join/ }).count()).toBe(0);
    await frank.context.close();
  });

  it("says a secret group is secret", async () => {
    const alice = await newPage(browser);
    await signIn(alice.page, "alice");
    const groups = await apiGet<ApiPage<Group>>(alice.page, "groups/?mine=true");
    const founders = groups.results.find((group) => group.slug === "founders") as Group;
    await alice.page.goto(`/g/${founders.id}`);
    await alice.page.getByText("This group is secret").waitFor();
    await alice.context.close();
  });
});

describe("a person's profile", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("is reached from an author's name and lists what the viewer may read", async () => {
    const { page, context } = await newPage(browser);
    const groups = await apiGet<ApiPage<Group>>(page, "groups/");
    const lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
    await page.goto(`/g/${lounge.id}`);
    await page.locator("article.post", { hasText: "House rules" }).getByRole("link", { name: "carol" }).click();
    await page.getByRole("heading", { level: 1, name: "carol" }).waitFor();
    expect(page.url()).toMatch(/\/u\/carol$/);
    await page.locator("article.post", { hasText: "House rules" }).waitFor();
    // Her comment in Book Club is for its members only.
    expect(await page.getByText("Agreed, and the politics of Karhide too.").count()).toBe(0);
    await page.getByText("Welcome, Dave!").waitFor();
    await context.close();

    expect((await send(HUB(), "/u/carol")).status).toBe(200);
    expect((await send(HUB(), "/u/nobody-by-this-name")).status).toBe(404);
  });

  for (const width of [375, 1280]) {
    it(`passes axe at ${width} px`, async () => {
      const { page, context } = await newPage(browser, width);
      await signIn(page, "dave");
      await page.goto("/u/carol");
      await page.getByRole("heading", { level: 1, name: "carol" }).waitFor();
      await page.waitForLoadState("networkidle");
      expect(await accessibilityProblems(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(page, `profile-${width}`);
      await context.close();
    });
  }
});
