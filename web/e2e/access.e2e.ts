// What a viewer may not see stays unseen by URL: a private group's posts for a non-member and
// for nobody signed in, a secret group altogether. The demo data's groups are the subjects.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { HUB, apiGet, launch, newPage, register, signIn, unique } from "./browser";
import { send } from "./http";

/** The browser context's cookies as one Cookie header, for a plain HTTP request as that person. */
async function cookieOf(context: BrowserContext): Promise<string> {
  return (await context.cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
}

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
      expect((await page.goto(`/p/${privatePost.id}`))?.status()).toBe(404);
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
        expect([path, (await page.goto(path))?.status()]).toEqual([path, 404]);
        await page.getByRole("heading", { name: "Not found" }).waitFor();
        expect(await page.locator("main").textContent()).not.toContain("Founders");
      }
    });
  }

  // Plain HTTP, no JavaScript: the status and the HTML the server wrote are the page's.
  it("answers a real 404 status for the private post, to the outsider and to nobody signed in", async () => {
    for (const cookie of [await cookieOf(outsider.context), ""]) {
      const answer = await send(HUB(), `/p/${privatePost.id}`, { headers: cookie ? { cookie } : {} });
      expect([cookie ? "outsider" : "anonymous", answer.status]).toEqual([cookie ? "outsider" : "anonymous", 404]);
      expect(answer.body).toContain("Not found");
      expect(answer.body).not.toContain("Left Hand");
    }
  });

  it("answers the member the private post with status 200, its title in the HTML", async () => {
    const answer = await send(HUB(), `/p/${privatePost.id}`, { headers: { cookie: await cookieOf(insider.context) } });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(privatePost.title);
  });

  it("answers a real 404 status for the secret group and its moderation page", async () => {
    for (const cookie of [await cookieOf(outsider.context), ""]) {
      for (const path of [`/g/${founders.id}`, `/g/${founders.id}/moderation`]) {
        const answer = await send(HUB(), path, { headers: cookie ? { cookie } : {} });
        expect([path, answer.status]).toEqual([path, 404]);
        expect(answer.body).not.toContain("Founders");
      }
    }
  });

  it("answers a 403 status for a group's moderation page to whoever may not moderate it", async () => {
    for (const cookie of [await cookieOf(outsider.context), ""]) {
      const answer = await send(HUB(), `/g/${bookClub.id}/moderation`, { headers: cookie ? { cookie } : {} });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain("Not for you");
    }
  });

  it("serves a public post with status 200 and its title in the server's HTML", async () => {
    const groups = await apiGet<ApiPage<Group>>(anonymous.page, "groups/");
    const lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
    const posts = await apiGet<ApiPage<Post>>(anonymous.page, `groups/${lounge.id}/posts/`);
    const post = posts.results.find((one) => one.title === "Welcome to the Lounge") as Post;
    const answer = await send(HUB(), `/p/${post.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("<h1");
    expect(answer.body).toContain("Welcome to the Lounge");
    const group = await send(HUB(), `/g/${lounge.id}`);
    expect(group.status).toBe(200);
    expect(group.body).toContain("Divan Lounge");
    expect(group.body).toContain("Welcome to the Lounge");
  });

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
