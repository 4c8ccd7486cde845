// Loading, error and empty states as a person meets them: the API failing shows the error in
// words with a retry that recovers; counts change on an open post page as others react.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { apiGet, launch, newPage, register, signIn, unique } from "./browser";

describe("states", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  // The page's first lists are read on the server; a filter is read in the browser.
  it("shows a failed list in words, and its retry recovers", async () => {
    const { page, context } = await newPage(browser);
    let failing = true;
    await page.route(
      (url) => url.pathname === "/api/communities/v1/groups/" && url.searchParams.get("q") === "Lounge",
      (route) => (failing ? route.abort("connectionrefused") : route.continue()),
    );
    await page.goto("/groups");
    await page.getByRole("link", { name: "Divan Lounge" }).waitFor();
    await page.getByLabel("Find groups").fill("Lounge");
    await page.getByRole("button", { name: "Search" }).click();
    const alert = page.getByRole("main").getByRole("alert");
    await alert.getByText("Could not reach Divan. Check your connection and try again.").waitFor();
    expect(await page.locator("li.group").count()).toBe(0);
    failing = false;
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("link", { name: "Divan Lounge" }).waitFor();
    expect(await page.getByRole("main").getByRole("alert").count()).toBe(0);
    await context.close();
  });

  it("shows the 404 page for an address that does not exist", async () => {
    const { page, context } = await newPage(browser);
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await context.close();
  });

  it("updates an open post's counts when someone else reacts", async () => {
    const watcher = await newPage(browser);
    const reactor = await newPage(browser);
    await signIn(watcher.page, "bob");
    const groups = await apiGet<ApiPage<Group>>(watcher.page, "groups/?mine=true");
    const lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
    const posts = await apiGet<ApiPage<Post>>(watcher.page, `groups/${lounge.id}/posts/`);
    const welcome = posts.results.find((post) => post.title === "Welcome to the Lounge") as Post;
    await watcher.page.goto(`/p/${welcome.id}`);
    const before = welcome.reaction_counts.sad ?? 0;
    const post = watcher.page.locator("article.post");
    await post.getByRole("button", { name: `Sad: ${before}` }).waitFor();

    await register(reactor.page, unique("rita"));
    await reactor.page.goto(`/g/${lounge.id}`);
    await reactor.page.getByRole("button", { name: "Join group" }).click();
    await reactor.page.getByText("You are a member").waitFor();
    const response = await reactor.page.request.post(
      `/api/communities/v1/posts/${welcome.id}/reactions/`,
      {
        data: { kind: "sad" },
        headers: {
          "X-CSRFToken": (await apiGet<{ csrf_token: string }>(reactor.page, "/api/auth/session/")).csrf_token,
        },
      },
    );
    expect(response.status()).toBe(201);
    // No reload on the watcher's side: the page reads the post again within seconds.
    await post.getByRole("button", { name: `Sad: ${before + 1}` }).waitFor({ timeout: 20_000 });
    await watcher.context.close();
    await reactor.context.close();
  });
});
