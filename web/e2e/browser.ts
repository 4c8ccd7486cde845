// Chromium for the tests: Debian's, driven by playwright-core (no browser download), plus
// helpers that act as a person would: sign up, sign in, wait for what appears.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { expect, inject } from "vitest";

export const HUB = () => inject("hub");
export const SHOTS = resolve(import.meta.dirname, "screenshots");
export const DEMO_PASSWORD = "divan-demo-password";
export const PASSWORD = "a-long-enough-password-42";
const require = createRequire(import.meta.url);

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function newPage(
  browser: Browser,
  width = 1280,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: HUB(),
    viewport: { width, height: width < 600 ? 800 : 900 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

export async function register(page: Page, username: string): Promise<void> {
  await page.goto("/register");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Join Divan" }).click();
  // signed in at once (verification is optional by default); the link is in the mail
  await page.getByRole("heading", { name: "Check your mail" }).waitFor();
  await page.getByRole("link", { name: "Go to your feed" }).click();
  await page.getByRole("heading", { name: "Your feed" }).waitFor();
}

export async function signIn(page: Page, username: string, password = DEMO_PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Your feed" }).waitFor();
}

/** Reloads `page` until `check` passes or the deadline: for what workers deliver later. */
export async function eventually(page: Page, check: () => Promise<boolean>, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  await page.waitForLoadState("networkidle");
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      const shown = (await page.locator("main").innerText()).slice(0, 600);
      throw new Error(`not seen within ${seconds} s on ${page.url()}, which shows:\n${shown}`);
    }
    await page.waitForTimeout(500);
    await page.reload();
    await page.waitForLoadState("networkidle");
  }
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => {
    // @ts-expect-error: axe is the global the script above defines
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((node) => node.target.join(" ")),
    }));
  });
  return violations
    .filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical")
    .map((v: { id: string; impact: string; targets: string[] }) => `${v.impact} ${v.id}: ${v.targets.join(", ")}`);
}

/** axe at 375 px and desktop, no overflow, and a screenshot of each. */
export async function passesAtBothWidths(page: Page, name: string): Promise<void> {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: width < 600 ? 800 : 900 });
    await page.waitForLoadState("networkidle");
    expect(await accessibilityProblems(page), `${name} at ${width} px`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
    await screenshot(page, `${name}-${width}`);
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** A small real PNG (64x48, a gradient), so that the tests carry no binary files. */
export function pngBytes(): Buffer {
  return Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAAUUlEQVR4nO3PAQnAQADEsBvsfU/6ZISHhhros33vdnNnV2tAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0BrQGtAa0D7AYdTAyVn8kkcAAAAAElFTkSuQmCC",
    "base64",
  );
}

/** The API as a test reads it to check what the browser did: the same proxy, a session. */
export async function apiGet<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path.startsWith("/") ? path : `/api/communities/v1/${path}`);
  if (!response.ok()) throw new Error(`${path}: ${response.status()}`);
  return (await response.json()) as T;
}
