// What a viewer may not see stays unseen by URL: a private group's posts for a non-member and
// for nobody signed in, a secret group altogether. The demo data's groups are the subjects.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { apiGet, launch, newPage, register, signIn, unique } from "./browser";

describe("private and secret groups by URL", () => {
  let browser: Browser;
  let insider: { context: BrowserContext; page: Page };
  let outsider: { context: BrowserContext; page: Page };
  let anonymous: { context: BrowserContext; page: Page };
  let bookClub: Group;
  let founders: Group;
  let privatePost: Post;

  beforeAll(async () => {
    browser = await launch();
    insider = await newPage(browser);
    outsider = await newPage(browser);
    anonymous = await newPage(browser);
    await signIn(insider.page, "alice"); // a member of both
    const groups = await apiGet<ApiPage<Group>>(insider.page, "groups/?mine=true");
    bookClub = groups.results.find((group) => group.slug === "book-club") as Group;
    founders = groups.results.find((group) => group.slug === "founders") as Group;
    const posts = await apiGet<ApiPage<Post>>(insider.page, `groups/${bookClub.id}/posts/`);
    privatePost = posts.results[0];
    expect(privatePost.title).toBe("November: The Left Hand of Darkness");
    await register(outsider.page, unique("nina"));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the private post to its member", async () => {
    await insider.page.goto(`/p/${privatePost.id}`);
    await insider.page.getByRole("heading", { name: privatePost.title }).waitFor();
  });

  for (const who of ["outsider", "anonymous"] as const) {
    it(`shows the ${who} a 404 for the private post, and none of it`, async () => {
      const page = (who === "outsider" ? outsider : anonymous).page;
      await page.goto(`/p/${privatePost.id}`);
      await page.getByRole("heading", { name: "Not found" }).waitFor();
      expect(await page.locator("main").textContent()).not.toContain("Left Hand");
    });

    it(`gives the ${who} no private post from the API the hub proxies`, async () => {
      const page = (who === "outsider" ? outsider : anonymous).page;
      for (const path of [
        `posts/${privatePost.id}/`,
        `posts/${privatePost.id}/comments/`,
        `groups/${bookClub.id}/posts/`,
        `groups/${bookClub.id}/feed/`,
        `groups/${founders.id}/`,
      ]) {
        const response = await page.request.get(`/api/communities/v1/${path}`);
        // A private group's lists refuse (401 to nobody signed in, 403 to a non-member); a
        // private post and a secret group do not exist for them.
        const refused = who === "anonymous" ? 401 : 403;
        const listOfBookClub = path.startsWith(`groups/${bookClub.id}/`);
        expect([path, response.status()]).toEqual([path, listOfBookClub ? refused : 404]);
        expect(await response.text()).not.toContain("Left Hand");
      }
    });

    it(`shows the ${who} the private group's page without its posts`, async () => {
      const page = (who === "outsider" ? outsider : anonymous).page;
      await page.goto(`/g/${bookClub.id}`);
      await page.getByRole("heading", { level: 1, name: "Book Club" }).waitFor();
      await page.getByText("This group is private: only its members see its posts.").waitFor();
      expect(await page.locator("article.post").count()).toBe(0);
      expect(await page.locator("main").textContent()).not.toContain("Left Hand");
    });

    it(`shows the ${who} a 404 for the secret group and its moderation page`, async () => {
      const page = (who === "outsider" ? outsider : anonymous).page;
      for (const path of [`/g/${founders.id}`, `/g/${founders.id}/moderation`]) {
        await page.goto(path);
        await page.getByRole("heading", { name: "Not found" }).waitFor();
        expect(await page.locator("main").textContent()).not.toContain("Founders");
      }
    });
  }

  it("lets the outsider ask to join the private group, and shows the request waiting", async () => {
    const { page } = outsider;
    await page.goto(`/g/${bookClub.id}`);
    await page.getByRole("button", { name: "Ask to join" }).click();
    await page.getByText("Your request to join is waiting for a moderator").waitFor();
    const group = await apiGet<Group>(page, `groups/${bookClub.id}/`);
    expect([group.join_request_pending, group.membership]).toEqual([true, null]);
    expect(await page.locator("article.post").count()).toBe(0);
  });

  it("lists neither the secret group nor its name to the outsider", async () => {
    const { page } = outsider;
    await page.goto("/groups");
    await page.getByRole("region", { name: "All groups" }).getByRole("link", { name: "Book Club" }).waitFor();
    expect(await page.getByText("Founders").count()).toBe(0);
    await page.getByLabel("Find groups").fill("Founders");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No group matches.").waitFor();
  });
});
