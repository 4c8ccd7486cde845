// The journey in real Chromium against the real stack: sign up, start a group, a second
// person joins, a post with a tag and an image reaches the group feed and the member's home
// feed, a thread of replies, reactions, a report, and a moderator who hides the post.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Comment, Group, Page as ApiPage, Post } from "../src/api/types";
import {
  PASSWORD,
  apiGet,
  eventually,
  launch,
  newPage,
  pngBytes,
  register,
  signIn,
  unique,
} from "./browser";

describe("a community from sign-up to moderation", () => {
  let browser: Browser;
  let owner: { context: BrowserContext; page: Page };
  let member: { context: BrowserContext; page: Page };
  const ownerName = unique("olga");
  const memberName = unique("mike");
  const groupName = `Trail walkers ${unique("")}`;
  let groupId = 0;
  let postId = 0;

  beforeAll(async () => {
    browser = await launch();
    owner = await newPage(browser);
    member = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs up, out and in again, holding no credential a script can read", async () => {
    const { page, context } = owner;
    await register(page, ownerName);
    await expect
      .poll(() => page.getByLabel("Signed in as").textContent(), { timeout: 15_000 })
      .toBe(ownerName);
    const session = (await context.cookies()).find((cookie) => cookie.name === "sessionid");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Lax");
    expect(await page.evaluate(() => document.cookie)).not.toContain("sessionid");
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
    expect((await apiGet<{ user: unknown }>(page, "/api/auth/session/")).user).toBeNull();

    await page.goto("/signin");
    await page.getByLabel("Username").fill(ownerName);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("main").getByRole("alert").textContent(), { timeout: 15_000 })
      .toContain("The username and/or password you specified are not correct.");
    await signIn(page, ownerName, PASSWORD);
  });

  it("starts a public group with tags", async () => {
    const { page } = owner;
    await page.goto("/groups/new");
    await page.getByLabel("Name").fill(groupName);
    await page.getByLabel("About").fill("Walks every Sunday.");
    await page.getByLabel("Tags (separated by commas)").fill("hiking, outdoors");
    await page.getByRole("button", { name: "Start the group" }).click();
    await page.getByRole("heading", { level: 1, name: groupName }).waitFor();
    groupId = Number(new URL(page.url()).pathname.split("/")[2]);
    const group = await apiGet<Group>(page, `groups/${groupId}/`);
    expect(group).toMatchObject({ name: groupName, visibility: "public", member_count: 1 });
    expect(group.tags).toEqual(["hiking", "outdoors"]);
    expect(await page.getByText("You are the owner").isVisible()).toBe(true);
  });

  it("lets a second person find the group and join it", async () => {
    const { page } = member;
    await register(page, memberName);
    await page.goto("/groups");
    await page.getByLabel("Find groups").fill(groupName);
    await page.getByRole("button", { name: "Search" }).click();
    const all = page.getByRole("region", { name: "All groups" });
    await all.getByRole("link", { name: groupName }).click();
    await page.getByRole("button", { name: "Join group" }).click();
    await page.getByText("You are a member").waitFor();
    expect((await apiGet<Group>(page, `groups/${groupId}/`)).member_count).toBe(2);
  });

  it("posts with a tag and an image uploaded from the browser, into the group feed", async () => {
    const { page } = owner;
    await page.goto(`/g/${groupId}`);
    await page.getByLabel("Title").fill("Sunday hike");
    await page.getByLabel("What's on your mind?").fill("Meet at the station at nine.");
    await page.getByLabel("Tags (separated by commas)").fill("hiking");
    await page
      .getByLabel("Attach files")
      .setInputFiles({ name: "trail.png", mimeType: "image/png", buffer: pngBytes() });
    await page.getByText("Uploaded").waitFor();
    await page.getByRole("button", { name: "Post", exact: true }).click();
    const card = page.locator("article.post", { hasText: "Sunday hike" });
    await card.waitFor();
    expect(await card.getByText("#hiking").count()).toBe(1);

    const posts = await apiGet<ApiPage<Post>>(page, `groups/${groupId}/posts/`);
    expect(posts.results.map((post) => post.title)).toEqual(["Sunday hike"]);
    const [post] = posts.results;
    postId = post.id;
    expect(post.tags).toEqual(["hiking"]);
    expect(post.attachments.map((a) => [a.filename, a.content_type])).toEqual([
      ["trail.png", "image/png"],
    ]);
    // The worker processes the image; then its thumbnail shows, served through the hub.
    await eventually(page, async () => (await card.locator('img[alt="trail.png"]').count()) === 1);
    const thumbnail = await card.locator('img[alt="trail.png"]').evaluate(
      (img: HTMLImageElement) => ({ complete: img.complete, width: img.naturalWidth }),
    );
    expect(thumbnail.complete && thumbnail.width > 0).toBe(true);
  });

  it("reaches the member's home feed within seconds", async () => {
    const { page } = member;
    await page.goto("/");
    await eventually(
      page,
      async () => (await page.locator("article.post", { hasText: "Sunday hike" }).count()) === 1,
      15,
    );
  });

  it("finds the post by search, the matched word marked", async () => {
    const { page } = member;
    await page.goto("/search?q=station");
    const result = page.locator("ol.results li", { hasText: "Sunday hike" });
    await eventually(page, async () => (await result.count()) === 1);
    expect(await result.locator("mark").allTextContents()).toEqual(["station"]);
    expect(await result.getByRole("link", { name: groupName }).count()).toBe(1);
  });

  it("holds a thread: a comment, a reply to it, an edit and a delete", async () => {
    await member.page.goto(`/p/${postId}`);
    await member.page.getByLabel("Your comment").fill("Count me in!");
    await member.page.getByRole("button", { name: "Comment", exact: true }).click();
    await member.page.locator("li.comment", { hasText: "Count me in!" }).waitFor();

    const { page } = owner;
    await page.goto(`/p/${postId}`);
    const parent = page.locator("li.comment", { hasText: "Count me in!" });
    await parent.getByRole("button", { name: "Reply" }).click();
    const replyForm = page.getByRole("form", { name: "Write a reply" });
    await replyForm.getByLabel("Your reply").fill("Great, see you at nine.");
    await replyForm.getByRole("button", { name: "Reply" }).click();
    const written = page.locator("li.comment", {
      has: page.locator("p.body", { hasText: "Great, see you at nine." }),
    });
    await written.waitFor();
    const replyId = await written.getAttribute("data-comment");
    const reply = page.locator(`li.comment[data-comment="${replyId}"]`);

    await reply.getByRole("button", { name: "Edit" }).click();
    await reply.getByLabel("Edit your comment").fill("Great, see you at half past nine.");
    await reply.getByRole("button", { name: "Save" }).click();
    await reply.getByText("half past nine").waitFor();
    await reply.getByText("edited").waitFor();
    const edited = reply;

    let comments = await apiGet<ApiPage<Comment>>(page, `posts/${postId}/comments/`);
    expect(comments.results.map((c) => [c.body, c.depth, c.parent])).toEqual([
      ["Count me in!", 1, null],
      ["Great, see you at half past nine.", 2, comments.results[0].id],
    ]);

    await edited.getByRole("button", { name: "Delete" }).click();
    await edited.getByRole("button", { name: "Yes, delete" }).click();
    // A deleted reply with no replies of its own leaves the thread.
    await edited.waitFor({ state: "detached" });
    comments = await apiGet<ApiPage<Comment>>(page, `posts/${postId}/comments/`);
    expect(comments.results.map((c) => c.body)).toEqual(["Count me in!"]);
    // The thread is read again after the delete: count once it has settled.
    await expect.poll(() => page.locator("li.comment").count(), { timeout: 10_000 }).toBe(1);
  });

  it("counts a reaction, and its removal, exactly", async () => {
    const { page } = member;
    await page.goto(`/p/${postId}`);
    const post = page.locator("article.post");
    await post.getByRole("button", { name: "Like: 0" }).click();
    await post.getByRole("button", { name: "Like: 1" }).waitFor();
    expect(await post.getByRole("button", { name: "Like: 1" }).getAttribute("aria-pressed")).toBe("true");
    await page.reload();
    await post.getByRole("button", { name: "Like: 1" }).click();
    await post.getByRole("button", { name: "Like: 0" }).waitFor();
    const fresh = await apiGet<Post>(page, `posts/${postId}/`);
    expect(fresh.reactions_count).toBe(0);
    expect(fresh.my_reactions).toEqual([]);
  });

  it("takes a report from the member, and the owner hides the post from the queue", async () => {
    await member.page.goto(`/p/${postId}`);
    const post = member.page.locator("article.post");
    await post.getByRole("button", { name: "Report" }).click();
    await post.getByLabel("Why are you reporting this?").selectOption("spam");
    await post.getByLabel("Details (optional)").fill("Looks like an advert.");
    await post.getByRole("button", { name: "Send report" }).click();
    await post.getByText("Reported: thank you").waitFor();

    const { page } = owner;
    await page.goto(`/g/${groupId}`);
    await page.getByRole("link", { name: "Reports and moderation log" }).click();
    const report = page.locator("li.report-item", { hasText: "Looks like an advert." });
    await report.waitFor();
    expect(await page.locator("li.report-item").count()).toBe(1);
    await report.getByRole("button", { name: "Hide it and resolve" }).click();
    await page.getByText("No open reports.").waitFor();
    await page.getByRole("region", { name: "Moderation log" }).getByText(/hid \S+'s post “/).waitFor();
    expect(await page.getByText("resolved a report").count()).toBe(1);

    // Gone for the member: the post's page (a 404 status), the group feed and the home feed.
    expect((await member.page.goto(`/p/${postId}`))?.status()).toBe(404);
    await member.page.getByRole("heading", { name: "Not found" }).waitFor();
    await member.page.goto(`/g/${groupId}`);
    await member.page.getByText("No posts yet.").waitFor();
    await member.page.goto("/");
    await eventually(
      member.page,
      async () =>
        (await member.page.getByText("Nothing here yet.").count()) === 1 &&
        (await member.page.locator("article.post").count()) === 0,
    );
  });
});
