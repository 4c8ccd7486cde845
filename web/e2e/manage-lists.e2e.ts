// The Manage page's lists past their first page (100 rows, the API's cap): a group of 101
// members, its owner and 100 people who join through the API, shows 100, then the last one on
// "More members"; at 375 px and desktop, with axe. The group is the test's own: the shared demo
// data is left as it was.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Group } from "../src/api/types";
import { HUB, PASSWORD, accessibilityProblems, launch, newPage, signIn, unique } from "./browser";

const JOINERS = 100;
const AT_ONCE = 8;

/** A call to the API through the hub's proxy, as a client with a token (no session, no CSRF). */
async function call<T>(path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${HUB()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function registered(username: string): Promise<string> {
  const user = await call<{ token: string }>("/api/auth/register/", {
    username,
    email: `${username}@example.com`,
    password: PASSWORD,
  });
  return user.token;
}

describe("the Manage page's lists past their first page", () => {
  let browser: Browser;
  const owner = unique("crowdowner");
  let group: Group;

  beforeAll(async () => {
    browser = await launch();
    const token = await registered(owner);
    group = await call<Group>(
      "/api/communities/v1/groups/",
      { name: `Crowd ${owner}`, visibility: "public" },
      token,
    );
    const names = Array.from({ length: JOINERS }, (_, n) => `${owner}m${n}`);
    for (let at = 0; at < names.length; at += AT_ONCE) {
      await Promise.all(
        names.slice(at, at + AT_ONCE).map(async (name) => {
          await call(`/api/communities/v1/groups/${group.id}/join/`, {}, await registered(name));
        }),
      );
    }
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [375, 1280]) {
    it(`shows the members past the first 100 on "More members" at ${width} px`, async () => {
      const { page, context } = await newPage(browser, width);
      await signIn(page, owner, PASSWORD);
      await page.goto(`/g/${group.id}/manage`);
      const members = page.getByRole("region", { name: "Members and roles" });
      const rows = members.locator("li.manage-item");
      await members.getByRole("button", { name: "More members" }).waitFor();
      expect(await rows.count()).toBe(100);
      // The owner joined first, and the newest come first: they are on the second page.
      expect(await members.getByText("(you)").count()).toBe(0);
      // Lists with one page have no button.
      for (const more of ["More requests", "More invitations", "More bans"]) {
        expect(await page.getByRole("button", { name: more }).count(), more).toBe(0);
      }
      expect(await accessibilityProblems(page), `first page at ${width} px`).toEqual([]);

      await members.getByRole("button", { name: "More members" }).click();
      await members.getByText("(you)").waitFor();
      expect(await rows.count()).toBe(101);
      expect(await members.getByRole("button", { name: "More members" }).count()).toBe(0);
      expect(new Set(await members.locator("li.manage-item strong").allInnerTexts()).size).toBe(101);
      expect(await accessibilityProblems(page), `both pages at ${width} px`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await context.close();
    });
  }
});
