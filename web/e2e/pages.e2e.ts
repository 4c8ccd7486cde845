// Every page at phone width (375 px) and desktop width: no serious or critical axe-core
// violation, nothing wider than the screen, and a screenshot of each in e2e/screenshots/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group, Page as ApiPage, Post } from "../src/api/types";
import { accessibilityProblems, apiGet, launch, newPage, screenshot, signIn } from "./browser";

const WIDTHS = [375, 1280];

async function settled(page: Page, heading: string | RegExp) {
  await page.getByRole("heading", { level: 1, name: heading }).first().waitFor();
  await page.waitForLoadState("networkidle");
  await page.locator(".spinner").first().waitFor({ state: "detached" });
}

describe("every page, at both widths", () => {
  let browser: Browser;
  let lounge: Group;
  let welcome: Post;

  beforeAll(async () => {
    browser = await launch();
    const { page, context } = await newPage(browser);
    const groups = await apiGet<ApiPage<Group>>(page, "groups/");
    lounge = groups.results.find((group) => group.slug === "divan-lounge") as Group;
    const posts = await apiGet<ApiPage<Post>>(page, `groups/${lounge.id}/posts/`);
    welcome = posts.results.find((post) => post.title === "Welcome to the Lounge") as Post;
    await context.close();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const anonymousPages: [string, () => string, string | RegExp][] = [
    ["landing", () => "/", "Find your people on Divan"],
    ["groups", () => "/groups", "Find your people on Divan"],
    ["group", () => `/g/${lounge.id}`, "Divan Lounge"],
    ["post", () => `/p/${welcome.id}`, "Welcome to the Lounge"],
    ["search", () => "/search?q=welcome", /Results for/],
    ["signin", () => "/signin", "Sign in"],
    ["register", () => "/register", "Join Divan"],
    ["not-found", () => "/p/999999999", "Not found"],
    ["forbidden", () => `/g/${lounge.id}/moderation`, "Not for you"],
  ];
  const memberPages: [string, () => string, string | RegExp][] = [
    ["home-feed", () => "/", "Your feed"],
    ["group-member", () => `/g/${lounge.id}`, "Divan Lounge"],
    ["post-member", () => `/p/${welcome.id}`, "Welcome to the Lounge"],
    ["moderation", () => `/g/${lounge.id}/moderation`, /Moderation/],
    ["new-group", () => "/groups/new", "Start a group"],
    ["notifications", () => "/notifications", "Notifications"],
    ["notification-settings", () => "/account/notifications", "Notification settings"],
    ["profile-other", () => "/u/bob", "bob"],
  ];

  for (const width of WIDTHS) {
    it(`passes for nobody signed in at ${width} px`, async () => {
      const { page, context } = await newPage(browser, width);
      for (const [name, path, heading] of anonymousPages) {
        await page.goto(path());
        await settled(page, heading);
        expect(await accessibilityProblems(page), `${name} at ${width} px`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
        await screenshot(page, `${name}-${width}`);
      }
      await context.close();
    });

    it(`passes for a moderator at ${width} px`, async () => {
      const { page, context } = await newPage(browser, width);
      await signIn(page, "alice");
      for (const [name, path, heading] of memberPages) {
        await page.goto(path());
        await settled(page, heading);
        expect(await accessibilityProblems(page), `${name} at ${width} px`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
        await screenshot(page, `${name}-${width}`);
      }
      await context.close();
    });
  }
});
