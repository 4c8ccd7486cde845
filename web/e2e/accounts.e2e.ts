// Issue 19's journey in the hub, on allauth's headless API, with the mail the stack's real SMTP
// server caught: a new person signs up, reads the verification mail and confirms on a press,
// turns two-factor sign-in on (the QR code's secret, shown as text too, gives the codes this
// test computes), signs out and in with a code, spends a recovery code (once), forgets the
// password and sets a new one by mail, changes the address and the password, and turns two-factor
// off; then, as the issue ends, takes an export of their data (built by the worker, downloaded
// through the hub as a zip, and mailed), turns two-factor on again and deletes the account (a
// wrong password and a wrong code refused in words), signed out, their profile a 404, their
// password refused. Apart, an owner of a group with members is told which groups to hand over,
// does so on the Manage page, and then leaves. Every account page and each new state passes axe
// at 375 px and desktop, without overflow.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataExport, Group } from "../src/api/types";
import {
  apiGet,
  HUB,
  launch,
  newPage,
  passesAtBothWidths,
  PASSWORD,
  register,
  signIn,
  unique,
} from "./browser";
import { type Mail, linkIn, mailTo } from "./mail";
import { PYTHON } from "./servers";

const AUTH = "/api/_allauth/browser/v1/";
const NEW_PASSWORD = "a-brand-new-password-77";
const LAST_PASSWORD = "the-last-password-of-all-31";

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 secret, at `at` (ms). */
function totp(secret: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g)?.map((byte) => Number.parseInt(byte, 2)) ?? []);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const digest = createHmac("sha1", key).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/**
 * A code that was not used before (the API takes each code once) and is good for 15 s more:
 * with MFA_TOTP_TOLERANCE=1 a code is taken from the window before its own to the one after,
 * so this window's and the next's are, and the last window's until this one ends; when all
 * were used, the next window's turn is awaited.
 */
async function freshCode(secret: string, used: Set<string>): Promise<string> {
  for (;;) {
    const now = Date.now();
    const steps = 30_000 - (now % 30_000) > 15_000 ? [0, 1, -1] : [0, 1];
    for (const step of steps) {
      const code = totp(secret, now + step * 30_000);
      if (!used.has(code)) {
        used.add(code);
        return code;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(30_000 - (now % 30_000) + 50, 1_000)));
  }
}

async function allauth<T>(page: Page, path: string): Promise<T> {
  const answer = await page.request.get(AUTH + path);
  return (await answer.json()) as T;
}

async function signOut(page: Page) {
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
}

async function signInUpToTheCode(page: Page, username: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Code").waitFor();
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel("Code").fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** What an archive holds, read by Python's zipfile (which checks every entry's CRC too). */
function zipListing(path: string): { names: string[]; profile: { username: string } } {
  const script = [
    "import json, sys, zipfile",
    "archive = zipfile.ZipFile(sys.argv[1])",
    "assert archive.testzip() is None, 'a damaged entry'",
    "print(json.dumps({'names': archive.namelist(), 'profile': json.loads(archive.read('profile.json'))}))",
  ].join("\n");
  return JSON.parse(execFileSync(PYTHON, ["-c", script, path], { encoding: "utf8" }));
}

/** The sections every archive has (accounts/archive.py), whatever the person wrote. */
const ARCHIVE_SECTIONS = [
  "README.txt",
  "comments.json",
  "email_addresses.json",
  "groups.json",
  "posts.json",
  "profile.json",
  "reactions.json",
  "uploads.json",
];

/**
 * Turns two-factor sign-in on from the account page with a code for the secret shown there; the
 * password is asked for only when allauth wants it again (then a new code). Returns the secret.
 */
async function twoFactorOn(page: Page, password: string, used: Set<string>): Promise<string> {
  await page.goto("/account");
  await page.getByRole("link", { name: "Set up two-factor sign-in" }).click();
  const secret = (await page.locator("code.secret").textContent()) ?? "";
  const turnOn = async () => {
    await page.getByLabel("Code from your app").fill(await freshCode(secret, used));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  };
  await turnOn();
  const codes = page.getByRole("list", { name: "Recovery codes" });
  const confirm = page.getByRole("heading", { name: "Confirm it is you" });
  await codes.or(confirm).first().waitFor();
  if (await confirm.isVisible()) {
    await page.getByLabel("Your password, to go on").fill(password);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").getByText("Password confirmed.").waitFor();
    await turnOn();
    await codes.waitFor();
  }
  return secret;
}

async function deleteAccount(page: Page, password: string, code?: string) {
  const section = page.getByRole("region", { name: "Delete your account" });
  if (await section.getByRole("button", { name: "Delete my account…" }).isVisible()) {
    await section.getByRole("button", { name: "Delete my account…" }).click();
  }
  await section.getByLabel("Your password, to delete your account").fill(password);
  if (code !== undefined) await section.getByLabel("Code from your app, or a recovery code").fill(code);
  await section.getByRole("button", { name: "Delete my account", exact: true }).click();
}

async function signedInAs(page: Page, username: string) {
  await page.getByRole("heading", { name: "Your feed" }).waitFor();
  await expect.poll(() => page.getByLabel("Signed in as").textContent(), { timeout: 15_000 }).toBe(username);
}

describe("an account people can keep, in the hub", () => {
  const username = unique("kim");
  const email = `${username}@example.com`;
  const newEmail = `${username}.new@example.com`;
  const seen = new Set<string>(); // the mails this test has read
  const usedCodes = new Set<string>();
  let browser: Browser;
  let page: Page;
  let secret = "";
  let recoveryCodes: string[] = [];
  let verification: Mail;

  beforeAll(async () => {
    browser = await launch();
    ({ page } = await newPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs up, reads the verification mail, and confirms the address on a press", async () => {
    await page.goto("/register");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Join Divan" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();
    await expect.poll(() => page.getByRole("main").getByRole("status").textContent()).toContain(email);
    await passesAtBothWidths(page, "register-done");

    verification = await mailTo(email, /confirm your email/i, { seen });
    const link = linkIn(verification, `${HUB()}/account/verify-email/`);
    await page.goto(link);
    await page.getByRole("heading", { name: "Verify your address" }).waitFor();
    await expect.poll(() => page.getByRole("main").textContent()).toContain(email);
    await passesAtBothWidths(page, "verify-email");
    // Reading the link verified nothing: only the press does.
    type Addresses = { data: { email: string; verified: boolean; primary: boolean }[] };
    expect((await allauth<Addresses>(page, "account/email")).data).toEqual([
      { email, primary: true, verified: false },
    ]);

    await page.getByRole("button", { name: "Verify this address" }).click();
    await page.getByRole("heading", { name: "Address verified" }).waitFor();
    expect((await allauth<Addresses>(page, "account/email")).data).toEqual([{ email, primary: true, verified: true }]);
    await passesAtBothWidths(page, "verify-email-done");
    expect(await page.getByRole("heading", { name: "Address verified" }).count()).toBe(1); // and stays

    await page.goto(link);
    await page.getByRole("heading", { name: "This link was already used" }).waitFor();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("the address is verified");
    await passesAtBothWidths(page, "verify-email-used");

    await page.goto(`${link.slice(0, -4)}AAAA`);
    await page.getByRole("heading", { name: "This link does not work" }).waitFor();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("This link is not valid");
  });

  it("turns two-factor sign-in on from the account page: a QR code, its secret, a code, the recovery codes", async () => {
    await page.goto("/");
    await page.getByRole("banner").getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    await passesAtBothWidths(page, "account");

    await page.getByRole("link", { name: "Set up two-factor sign-in" }).click();
    await page.getByRole("heading", { name: "Set up two-factor sign-in" }).waitFor();
    expect(await page.getByRole("img", { name: "QR code of your two-factor secret" }).locator("svg").count()).toBe(1);
    secret = (await page.locator("code.secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await passesAtBothWidths(page, "two-factor-setup");

    // A wrong code is refused in words, and nothing is turned on.
    await page.getByLabel("Code from your app").fill(totp(secret, Date.now() - 120_000));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("Incorrect code");
    expect((await allauth<{ data: unknown[] }>(page, "account/authenticators")).data).toEqual([]);

    await page.getByLabel("Code from your app").fill(await freshCode(secret, usedCodes));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    // allauth asks for the password first (no confirmation in this session yet); then a new
    // code, since the one typed may have expired while the password was typed
    await page.getByRole("heading", { name: "Confirm it is you" }).waitFor();
    await page.getByLabel("Your password, to go on").fill("not-my-password");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("alert").first().textContent()).toContain("Incorrect password");
    await page.getByLabel("Your password, to go on").fill(PASSWORD);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").getByText("Password confirmed.").waitFor();
    expect(await page.getByLabel("Code from your app").inputValue()).toBe("");
    await page.getByLabel("Code from your app").fill(await freshCode(secret, usedCodes));
    await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
    await page.getByRole("heading", { level: 1, name: "Two-factor sign-in is on" }).waitFor();
    expect(await page.locator("code.secret").count()).toBe(0); // the secret is not shown again
    const list = page.getByRole("list", { name: "Recovery codes" });
    await list.waitFor();
    recoveryCodes = (await list.getByRole("listitem").allTextContents()).map((code) => code.trim());
    expect(recoveryCodes).toHaveLength(10);
    await passesAtBothWidths(page, "two-factor-codes");

    await page.getByRole("link", { name: "Done" }).click();
    const section = page.getByRole("region", { name: "Two-factor sign-in" });
    await section.getByText("10 of 10 recovery codes left.").waitFor();
    // The setup page shows no secret any more: it sends you back to the account page.
    await page.goto("/account/two-factor");
    await page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
    expect(await page.locator("code.secret").count()).toBe(0);
    type Methods = { data: { type: string }[] };
    const methods = (await allauth<Methods>(page, "account/authenticators")).data.map((one) => one.type).sort();
    expect(methods).toEqual(["recovery_codes", "totp"]);
  });

  it("signs out, and signs in again only with a code", async () => {
    await signOut(page);
    await signInUpToTheCode(page, username, PASSWORD);
    await passesAtBothWidths(page, "signin-code");
    // Without the second step, nobody is signed in.
    expect((await page.request.get("/api/auth/session/").then((r) => r.json())).user).toBeNull();
    await enterCode(page, totp(secret, Date.now() - 120_000)); // a code from minutes ago
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("Incorrect code");
    await enterCode(page, await freshCode(secret, usedCodes));
    await signedInAs(page, username);
  });

  it("signs in with a recovery code, which works once", async () => {
    const [code] = recoveryCodes;
    await signOut(page);
    await signInUpToTheCode(page, username, PASSWORD);
    await enterCode(page, code);
    await signedInAs(page, username);

    await signOut(page);
    await signInUpToTheCode(page, username, PASSWORD);
    await enterCode(page, code);
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("Incorrect code");
    await enterCode(page, recoveryCodes[1]);
    await signedInAs(page, username);
    await page.goto("/account");
    await page.getByText("8 of 10 recovery codes left.").waitFor();
  });

  it("forgets the password and sets a new one from the mail's link", async () => {
    await signOut(page);
    await page.goto("/signin");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await passesAtBothWidths(page, "password-reset");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("status").textContent()).toContain(`if an account has ${email}`);

    const mail = await mailTo(email, /password reset/i, { seen });
    const link = linkIn(mail, `${HUB()}/account/password/reset/`);
    await page.goto(link);
    await page.getByRole("heading", { name: "Set a new password" }).waitFor();
    await passesAtBothWidths(page, "password-reset-key");
    await page.getByLabel("New password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Set my new password" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("too short");
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set my new password" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("status").textContent()).toContain("Your new password is set.");

    // The link is spent; the old password is refused; the new one signs in, with a code.
    await page.goto(link);
    await page.getByRole("heading", { name: "This link does not work" }).waitFor();
    await passesAtBothWidths(page, "password-reset-used");
    await page.goto("/signin");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("not correct");
    await signInUpToTheCode(page, username, NEW_PASSWORD);
    await enterCode(page, await freshCode(secret, usedCodes));
    await signedInAs(page, username);
  });

  it("makes new recovery codes after the password, changes the password, turns two-factor off, changes the address", async () => {
    await page.goto("/account");
    const twoFactor = page.getByRole("region", { name: "Two-factor sign-in" });
    await twoFactor.getByRole("button", { name: "Make new recovery codes" }).click();
    // A new session has confirmed nothing yet: the password first.
    await twoFactor.getByLabel("Your password, to go on").fill(NEW_PASSWORD);
    await twoFactor.getByRole("button", { name: "Confirm" }).click();
    const freshList = twoFactor.getByRole("list", { name: "Recovery codes" });
    await freshList.waitFor();
    const fresh = (await freshList.getByRole("listitem").allTextContents()).map((code) => code.trim());
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[2]);

    // While two-factor sign-in is on, allauth keeps the address as it is: said in its words.
    const address = page.getByRole("region", { name: "Email address" });
    await address.getByLabel("New address").fill(newEmail);
    await address.getByLabel("Your password").fill("not-my-password");
    await address.getByRole("button", { name: "Change address" }).click();
    await expect.poll(() => address.getByRole("alert").textContent()).toContain("Incorrect password");
    await address.getByLabel("Your password").fill(NEW_PASSWORD);
    await address.getByRole("button", { name: "Change address" }).click();
    await expect
      .poll(() => address.getByRole("alert").textContent())
      .toContain("You cannot add an email address to an account protected by two-factor authentication.");

    const password = page.getByRole("region", { name: "Password" });
    await password.getByLabel("Current password", { exact: true }).fill("not-my-password");
    await password.getByLabel("New password", { exact: true }).fill(LAST_PASSWORD);
    await password.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => password.getByRole("alert").textContent()).toContain("Current password");
    await password.getByLabel("Current password", { exact: true }).fill(NEW_PASSWORD);
    await password.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => password.getByRole("status").textContent()).toContain("Your password is changed.");

    await page.getByRole("button", { name: "Turn off two-factor sign-in" }).click();
    await page.getByRole("region", { name: "Two-factor sign-in" }).getByText("Two-factor sign-in is off.").waitFor();
    expect((await allauth<{ data: unknown[] }>(page, "account/authenticators")).data).toEqual([]);

    // With two-factor off, the address changes once the new one is verified.
    await page.goto("/account");
    await address.getByLabel("New address").fill(newEmail);
    await address.getByLabel("Your password").fill(LAST_PASSWORD);
    await address.getByRole("button", { name: "Change address" }).click();
    await expect.poll(() => address.getByRole("status").textContent()).toContain(`We sent a link to ${newEmail}`);
    await address.getByText(newEmail).first().waitFor();
    await passesAtBothWidths(page, "account-email-pending");
    const mail = await mailTo(newEmail, /confirm your email/i, { seen });
    await page.goto(linkIn(mail, `${HUB()}/account/verify-email/`));
    await page.getByRole("button", { name: "Verify this address" }).click();
    await page.getByRole("heading", { name: "Address verified" }).waitFor();
    type Addresses = { data: { email: string; verified: boolean; primary: boolean }[] };
    expect((await allauth<Addresses>(page, "account/email")).data).toEqual([
      { email: newEmail, primary: true, verified: true },
    ]);

    // This session stayed; the last password alone signs in now.
    await signOut(page);
    await page.goto("/signin");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(LAST_PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await signedInAs(page, username);
  });

  it("asks for an export of their data, waits for it, downloads the zip through the hub, and gets its link by mail", async () => {
    await page.goto("/account");
    const section = page.getByRole("region", { name: "Your data" });
    expect((await page.request.get("/api/auth/export/")).status()).toBe(404); // never asked
    await section.getByRole("button", { name: "Export my data" }).click();
    await expect.poll(() => section.getByRole("status").textContent()).toMatch(/being built|is ready/);
    await passesAtBothWidths(page, "account-export-asked");

    // The section asks the API again while the worker builds it: the link appears by itself.
    const link = section.getByRole("link", { name: "Download your archive" });
    await link.waitFor({ timeout: 60_000 });
    const exported = await apiGet<DataExport>(page, "/api/auth/export/");
    expect(exported).toMatchObject({ status: "ready" });
    expect(exported.size).toBeGreaterThan(0);
    expect(exported.download_url).toBe(`${HUB()}/api/auth/export/${exported.id}/download/`);
    await page.reload(); // and the page, read again, says so too
    await link.waitFor();
    await expect.poll(() => section.getByRole("status").textContent()).toContain("Your archive is ready.");
    await passesAtBothWidths(page, "account-export-ready");

    // Downloaded as a person would: the hub's link, a redirect to the stored file, a zip.
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.zip$/);
    const archive = await download.path();
    const bytes = readFileSync(archive);
    expect(bytes.length).toBe(exported.size);
    const listing = zipListing(archive);
    expect([...listing.names].sort()).toEqual(ARCHIVE_SECTIONS);
    expect(listing.profile.username).toBe(username);

    // The mail, to the verified address, has the same link; it works for this person alone.
    const mail = await mailTo(newEmail, /data export is ready/i, { seen });
    const mailed = linkIn(mail, `${HUB()}/api/auth/export/`);
    expect(mailed).toBe(exported.download_url);
    const again = await page.request.get(mailed);
    expect(again.status()).toBe(200);
    expect(Buffer.compare(await again.body(), bytes)).toBe(0);
    const { context: stranger } = await newPage(browser);
    expect((await stranger.request.get(mailed, { maxRedirects: 0 })).status()).toBe(401);
    await stranger.close();
  });

  it("turns two-factor on again, and deletes the account: a wrong password and a wrong code refused in words, then gone", async () => {
    const secret2 = await twoFactorOn(page, LAST_PASSWORD, usedCodes);
    await page.goto("/account");
    const section = page.getByRole("region", { name: "Delete your account" });
    await section.getByRole("button", { name: "Delete my account…" }).click();
    await passesAtBothWidths(page, "account-delete");

    await deleteAccount(page, "not-my-password", "123456");
    await expect.poll(() => section.getByRole("alert").textContent()).toContain("Incorrect password.");
    await passesAtBothWidths(page, "account-delete-refused");
    await deleteAccount(page, LAST_PASSWORD, totp(secret2, Date.now() - 120_000));
    await expect.poll(() => section.getByRole("alert").textContent()).toContain("Incorrect code.");
    // Refused, nothing changed: still signed in, the account and its export still there.
    expect((await apiGet<{ user: { username: string } }>(page, "/api/auth/session/")).user.username).toBe(username);
    expect((await apiGet<DataExport>(page, "/api/auth/export/")).status).toBe("ready");

    await deleteAccount(page, LAST_PASSWORD, await freshCode(secret2, usedCodes));
    await page.getByRole("heading", { level: 1, name: "Your account is deleted" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/account/deleted");
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
    expect((await page.request.get("/api/auth/session/").then((r) => r.json())).user).toBeNull();
    await passesAtBothWidths(page, "account-deleted");

    expect((await page.goto(`/u/${username}`))?.status()).toBe(404);
    await page.goto("/signin");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(LAST_PASSWORD);
    await page.getByRole("main").getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("main").getByRole("alert").textContent()).toContain("not correct");
  });

  it("sends whoever is not signed in from the account pages to sign in first", async () => {
    const { page: stranger, context } = await newPage(browser, 375);
    await stranger.goto("/account");
    await stranger.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(stranger.url()).searchParams.get("next")).toBe("/account");
    await context.close();
  });
});

describe("deleting the account of a group's only owner, in the hub", () => {
  const owner = unique("oona");
  const groupName = `Quilting circle ${unique("")}`;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("names the groups to hand over, links to their Manage page, and deletes once one is handed over", async () => {
    const { page } = await newPage(browser);
    await register(page, owner);
    await page.goto("/groups/new");
    await page.getByLabel("Name").fill(groupName);
    await page.getByRole("button", { name: "Start the group" }).click();
    await page.getByRole("heading", { level: 1, name: groupName }).waitFor();
    const groupId = Number(new URL(page.url()).pathname.split("/")[2]);
    const { page: dave } = await newPage(browser);
    await signIn(dave, "dave");
    await dave.goto(`/g/${groupId}`);
    await dave.getByRole("button", { name: "Join group" }).click();
    await dave.getByText("You are a member").waitFor();

    await page.goto("/account");
    const section = page.getByRole("region", { name: "Delete your account" });
    await deleteAccount(page, PASSWORD);
    const refusal = section.getByRole("alert");
    await expect.poll(() => refusal.textContent()).toContain(`You are the only owner of ${groupName}`);
    const owned = refusal.getByRole("list", { name: "Groups you alone own" });
    expect(await owned.getByRole("link").allTextContents()).toEqual([`Make someone else owner of ${groupName}`]);
    await passesAtBothWidths(page, "account-delete-owner");
    // Nothing changed: signed in, still the owner, dave still a member.
    expect((await apiGet<{ user: { username: string } }>(page, "/api/auth/session/")).user.username).toBe(owner);
    expect(await apiGet<Group>(page, `groups/${groupId}/`)).toMatchObject({ member_count: 2, membership: { role: "owner" } });

    await owned.getByRole("link").click();
    await page.getByRole("heading", { level: 1, name: `Manage: ${groupName}` }).waitFor();
    await page.getByLabel("Role of dave").selectOption("owner");
    await page.locator('[data-member="dave"]').getByRole("button", { name: "Change role" }).click();
    await page.locator('[data-member="dave"] .badge', { hasText: "owner" }).waitFor();

    await page.goto("/account");
    await deleteAccount(page, PASSWORD);
    await page.getByRole("heading", { level: 1, name: "Your account is deleted" }).waitFor();
    // dave owns the group now, alone in it.
    expect(await apiGet<Group>(dave, `groups/${groupId}/`)).toMatchObject({ member_count: 1, membership: { role: "owner" } });
  });
});
