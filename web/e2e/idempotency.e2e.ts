// Every create sends an Idempotency-Key made once per submit: a double click, a retry after a
// network error and a reload of the form each create one post, not two.
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { apiGet, launch, newPage, register, unique } from "./browser";

describe("one post per submit", () => {
  let browser: Browser;
  let author: { context: BrowserContext; page: Page };
  let groupId = 0;

  const postsWith = async (body: string) =>
    (await apiGet<ApiPage<Post>>(author.page, `groups/${groupId}/posts/?page_size=100`)).results.filter(
      (post) => post.body === body,
    );

  /** The Idempotency-Key of each POST of a post that leaves the page from now on. */
  function keysSent(page: Page): string[] {
    const keys: string[] = [];
    page.on("request", (request: Request) => {
      if (request.method() === "POST" && request.url().endsWith(`/groups/${groupId}/posts/`)) {
        keys.push(request.headers()["idempotency-key"]);
      }
    });
    return keys;
  }

  /** Lets the next POST of a post reach the server, then cuts the connection before the answer. */
  async function loseNextAnswer(page: Page) {
    let lost = false;
    await page.route(`**/api/communities/v1/groups/${groupId}/posts/`, async (route) => {
      if (route.request().method() !== "POST" || lost) return route.continue();
      lost = true;
      const answer = await route.fetch();
      expect(answer.status()).toBe(201);
      await route.abort("connectionreset");
    });
  }

  beforeAll(async () => {
    browser = await launch();
    author = await newPage(browser);
    await register(author.page, unique("ida"));
    await author.page.goto("/groups/new");
    await author.page.getByLabel("Name").fill(`Idempotent ${unique("")}`);
    await author.page.getByRole("button", { name: "Start the group" }).click();
    await author.page.getByText("You are the owner").waitFor();
    groupId = Number(new URL(author.page.url()).pathname.split("/")[2]);
    expect((await apiGet<Group>(author.page, `groups/${groupId}/`)).member_count).toBe(1);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("creates one post from a double click", async () => {
    const { page } = author;
    const keys = keysSent(page);
    await page.getByLabel("What's on your mind?").fill("double click");
    await page.getByRole("button", { name: "Post", exact: true }).dblclick();
    await page.locator("article.post", { hasText: "double click" }).waitFor();
    expect((await postsWith("double click")).length).toBe(1);
    expect(keys.length).toBe(1); // the second click found the submit under way
    expect(await page.locator("article.post", { hasText: "double click" }).count()).toBe(1);
  });

  it("creates one post when the answer is lost and the person presses Post again", async () => {
    const { page } = author;
    const keys = keysSent(page);
    await loseNextAnswer(page);
    await page.getByLabel("What's on your mind?").fill("lost answer");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.getByText("Could not reach Divan. Check your connection and try again.").waitFor();
    expect((await postsWith("lost answer")).length).toBe(1); // the server did create it
    const retried = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith(`/groups/${groupId}/posts/`),
    );
    await page.getByRole("button", { name: "Post", exact: true }).click();
    expect((await retried).headers()["idempotent-replayed"]).toBe("true");
    await page.locator("article.post", { hasText: "lost answer" }).waitFor();
    expect((await postsWith("lost answer")).length).toBe(1);
    expect(keys.length).toBe(2);
    expect(keys[0]).toBe(keys[1]);
    await page.unrouteAll();
  });

  it("creates one post when the answer is lost and the person reloads the form", async () => {
    const { page } = author;
    await loseNextAnswer(page);
    await page.getByLabel("What's on your mind?").fill("reloaded form");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await page.getByText("Could not reach Divan. Check your connection and try again.").waitFor();
    await page.unrouteAll();
    const keys = keysSent(page);
    await page.reload();
    await expect
      .poll(() => page.getByLabel("What's on your mind?").inputValue(), { timeout: 15_000 })
      .toBe("reloaded form");
    const retried = page.waitForResponse(
      (response) => response.request().method() === "POST" && response.url().endsWith(`/groups/${groupId}/posts/`),
    );
    await page.getByRole("button", { name: "Post", exact: true }).click();
    const replay = await retried;
    expect(replay.status()).toBe(201);
    expect(replay.headers()["idempotent-replayed"]).toBe("true");
    expect((await postsWith("reloaded form")).length).toBe(1);
    expect(keys.length).toBe(1);
    // The composer is empty again, and a new submit is a new post.
    await expect
      .poll(() => page.getByLabel("What's on your mind?").inputValue(), { timeout: 15_000 })
      .toBe("");
    await page.getByLabel("What's on your mind?").fill("reloaded form");
    await page.getByRole("button", { name: "Post", exact: true }).click();
    await expect.poll(async () => (await postsWith("reloaded form")).length, { timeout: 15_000 }).toBe(2);
    expect(keys.length).toBe(2);
    expect(keys[1]).not.toBe(keys[0]);
  });
});
