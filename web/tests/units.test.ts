// The hub's own logic, without a browser: error words, a page's failed read carried to its error
// page, cursors, idempotency keys, snippets, the abilities read from the API's answers, the
// forwarding headers.
import { describe, expect, it } from "vitest";
import { parseTags } from "../src/components/Composer";
import { nextQuery, withQuery } from "../src/lib/cursor";
import { errorMessages, retryAfterSeconds, waitInWords } from "../src/lib/errors";
import { downloadPath, sizeInWords } from "../src/components/account/ExportData";
import { linkKey, safeNext } from "../src/lib/paths";
import { readFailure, readFailureDigest } from "../src/lib/readFailure";
import {
  type KeyStore,
  draftClear,
  draftLoad,
  draftSave,
  formsForget,
  outcomeUnknown,
  submitKey,
  submitSettled,
} from "../src/lib/idempotency";
import type { Comment, Group, Post } from "../src/api/types";
import { commentAbilities, groupAbilities, mayManage, mayTakePart, postAbilities } from "../src/lib/abilities";
import { snippetParts } from "../src/lib/snippet";
import { forwarding } from "../src/lib/upstream";

function memoryStore(): KeyStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe("errorMessages", () => {
  it("reads DRF's detail", () => {
    expect(errorMessages(403, { detail: "You are banned from this group." })).toEqual([
      "You are banned from this group.",
    ]);
  });
  it("names each field, and flattens nested lists", () => {
    expect(
      errorMessages(400, {
        body: ["This field may not be blank."],
        attachments: { "0": ["Upload not found."] },
        non_field_errors: ["Nope."],
      }),
    ).toEqual(["Text: This field may not be blank.", "Attachments #1: Upload not found.", "Nope."]);
  });
  it("reads django-allauth's errors, naming the parameter, and its empty refusals by status", () => {
    expect(
      errorMessages(400, {
        status: 400,
        errors: [
          { message: "Incorrect code.", code: "incorrect_code", param: "code" },
          { message: "This password is too common.", code: "password_too_common", param: "new_password" },
          { message: "This link has expired: ask for a new one.", code: "email_verification_expired", param: "key" },
          { message: "Too many failed login attempts.", code: "too_many_login_attempts" },
        ],
      }),
    ).toEqual([
      "Code: Incorrect code.",
      "New password: This password is too common.",
      "This link has expired: ask for a new one.",
      "Too many failed login attempts.",
    ]);
    expect(errorMessages(429, { status: 429 })[0]).toContain("Too many requests");
  });
  it("says what happened when the body is empty", () => {
    expect(errorMessages(0, null)).toEqual([
      "Could not reach Divan. Check your connection and try again.",
    ]);
    expect(errorMessages(502, null)[0]).toContain("Something went wrong");
    expect(errorMessages(429, "")[0]).toContain("Too many requests");
  });
});

describe("a throttled answer", () => {
  it("says how long to wait from Retry-After, in the unit that reads best", () => {
    const drf = { detail: "Request was throttled. Expected available in 3600 seconds." };
    expect(errorMessages(429, drf, "3600")).toEqual(["Too many attempts in a short time: try again in 60 minutes."]);
    expect(errorMessages(429, { status: 429, detail: "x" }, "42")).toEqual([
      "Too many attempts in a short time: try again in 42 seconds.",
    ]);
    expect(waitInWords(1)).toBe("1 second");
    expect(waitInWords(119)).toBe("119 seconds");
    expect(waitInWords(120)).toBe("2 minutes");
    expect(waitInWords(121)).toBe("3 minutes");
    expect(waitInWords(7200)).toBe("2 hours");
    expect(waitInWords(86_400)).toBe("24 hours");
    expect(waitInWords(3 * 86_400)).toBe("3 days");
  });
  it("reads Retry-After as seconds or a date, and keeps the API's words without it", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(retryAfterSeconds("300", now)).toBe(300);
    expect(retryAfterSeconds("Mon, 07 Dec 2026 10:05:00 GMT", now)).toBe(300);
    expect(retryAfterSeconds("soon", now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
    const words = { detail: "Too many failed attempts: wait a few minutes and try again." };
    expect(errorMessages(429, words, null)).toEqual([words.detail]);
    expect(errorMessages(400, { password: ["Incorrect password."] }, "60")).toEqual(["Password: Incorrect password."]);
  });
});

describe("an export", () => {
  it("says its size in words", () => {
    expect(sizeInWords(812)).toBe("812 bytes");
    expect(sizeInWords(14_200)).toBe("14.2 KB");
    expect(sizeInWords(3_100_000)).toBe("3.1 MB");
    expect(sizeInWords(2_000_000_000_000)).toBe("2000.0 GB");
  });
  it("is downloaded through the hub's own origin, whatever SITE_URL the API wrote", () => {
    expect(downloadPath("https://api.example.org/api/auth/export/8c1f/download/")).toBe("/api/auth/export/8c1f/download/");
    expect(downloadPath("/api/auth/export/8c1f/download/?x=1")).toBe("/api/auth/export/8c1f/download/?x=1");
  });
});

describe("a page's failed read, in its error's digest", () => {
  it("carries the status and the API's words", () => {
    const detail = "Request was throttled. Expected available in 42 seconds.";
    expect(readFailure(readFailureDigest(429, { detail }))).toEqual({ status: 429, messages: [detail] });
    expect(readFailure(readFailureDigest(503, null))).toEqual({
      status: 503,
      messages: ["Something went wrong on our side. Try again in a moment."],
    });
  });
  it("is nothing for any other error's digest", () => {
    expect(readFailure(undefined)).toBeNull();
    expect(readFailure("2873940153")).toBeNull();
    expect(readFailure("divan-read:{not json")).toBeNull();
    expect(readFailure('divan-read:{"status":"500"}')).toBeNull();
  });
});

describe("cursors", () => {
  it("keeps only the query of DRF's absolute next link", () => {
    const next = "http://127.0.0.1:8000/api/communities/v1/feed/?cursor=cD0x&order=top";
    expect(nextQuery(next)).toBe("?cursor=cD0x&order=top");
    expect(withQuery("feed/?order=top", "?cursor=cD0x&order=top")).toBe(
      "feed/?cursor=cD0x&order=top",
    );
    expect(nextQuery(null)).toBeNull();
  });
});

describe("one Idempotency-Key per submit", () => {
  it("gives the same key until the server answers, then a new one", () => {
    const store = memoryStore();
    const first = submitKey(store, "post:1");
    expect(submitKey(store, "post:1")).toBe(first); // a double click, a retry, a reload
    expect(submitKey(store, "post:2")).not.toBe(first); // another form
    submitSettled(store, "post:1");
    expect(submitKey(store, "post:1")).not.toBe(first);
  });
  it("keeps the key only when the outcome is unknown", () => {
    expect([0, 502, 503, 504].map(outcomeUnknown)).toEqual([true, true, true, true]);
    expect([400, 403, 404, 409, 422, 429, 500].map(outcomeUnknown)).toEqual(
      [false, false, false, false, false, false, false],
    );
  });
  it("keeps the draft beside it", () => {
    const store = memoryStore();
    draftSave(store, "post:1", { body: "hello" });
    expect(draftLoad(store, "post:1")).toEqual({ body: "hello" });
    draftClear(store, "post:1");
    expect(draftLoad(store, "post:1")).toBeNull();
    store.setItem("divan:draft:post:1", "{not json");
    expect(draftLoad(store, "post:1")).toBeNull();
  });
});

describe("search snippets", () => {
  it("turns <mark> into marked parts and unescapes the text, never markup", () => {
    expect(snippetParts("a &lt;b&gt; <mark>hike</mark> &amp; <mark>walk</mark>")).toEqual([
      { text: "a <b> ", marked: false },
      { text: "hike", marked: true },
      { text: " & ", marked: false },
      { text: "walk", marked: true },
    ]);
  });
});

describe("tags", () => {
  it("splits on commas and spaces, drops # and repeats", () => {
    expect(parseTags("#books, fiction  books,,")).toEqual(["books", "fiction"]);
  });
});

describe("a change of person", () => {
  it("forgets every draft and key of the hub, and nothing else", () => {
    const items = new Map<string, string>([
      ["divan:draft:post:1", "{}"],
      ["divan:idempotency:post:1", "k"],
      ["other", "kept"],
    ]);
    const store = {
      get length() {
        return items.size;
      },
      key: (index: number) => [...items.keys()][index] ?? null,
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
    formsForget(store);
    expect([...items.keys()]).toEqual(["other"]);
  });
});

describe("the API's answers, as what the viewer may do", () => {
  const group = (membership: Group["membership"], permissions: Group["permissions"]) =>
    ({ id: 1, membership, permissions }) as Group;
  it("takes a group's permissions and membership as they come, with no rule of its own", () => {
    const none = groupAbilities(group(null, []));
    expect(Object.values(none).some(Boolean)).toBe(false);
    const member = groupAbilities(group({ role: "member" }, ["post"]));
    expect(member).toMatchObject({ post: true, leave: true, moderate: false, moderateContent: false });
    const owner = groupAbilities(group({ role: "owner" }, ["post", "moderate_content", "handle_reports"]));
    expect(owner).toMatchObject({ post: true, leave: false, moderate: true, moderateContent: true, update: false });
    expect(owner.inviteToSignUp).toBe(false);
    const admin = groupAbilities(group({ role: "admin" }, ["invite_to_sign_up"]));
    expect(admin).toMatchObject({ inviteToSignUp: true, update: false });
    expect(mayManage(group({ role: "admin" }, ["invite_to_sign_up"]))).toBe(true);
  });
  it("takes whether the viewer may read a group from `readable`, not from visibility or membership", () => {
    const readable = { id: 1, visibility: "private", membership: null, permissions: [], readable: true };
    expect(groupAbilities(readable as unknown as Group).read).toBe(true);
    const unreadable = { ...readable, visibility: "public", membership: { role: "member" }, readable: false };
    expect(groupAbilities(unreadable as unknown as Group).read).toBe(false);
  });
  it("takes whether joining admits at once from `joins_at_once`, not from visibility", () => {
    const group = { id: 1, visibility: "private", membership: null, permissions: [], joins_at_once: true };
    expect(groupAbilities(group as unknown as Group).joinsAtOnce).toBe(true);
    const asks = { ...group, visibility: "public", joins_at_once: false };
    expect(groupAbilities(asks as unknown as Group).joinsAtOnce).toBe(false);
  });
  it("takes a post's and a comment's permissions as they come", () => {
    const post = (permissions: Post["permissions"]) => ({ id: 1, permissions }) as Post;
    expect(mayTakePart(post(["comment", "react"]))).toBe(true);
    expect(mayTakePart(post(["react"]))).toBe(false);
    expect(postAbilities(post(["pin", "hide"]))).toMatchObject({ pin: true, hide: true, unpin: false, edit: false });
    const comment = { id: 1, permissions: ["restore"] } as unknown as Comment;
    expect(commentAbilities(comment)).toMatchObject({ restore: true, hide: false, reply: false });
  });
});

describe("forwarding headers for the API", () => {
  it("carry the visitor's address chain, the hub's host and its scheme", () => {
    const incoming = new Headers({ host: "hub.example:3000", "x-forwarded-for": "10.0.0.1, 127.0.0.1" });
    expect(forwarding(incoming, "https:")).toEqual({
      "x-forwarded-proto": "https",
      "x-forwarded-for": "10.0.0.1, 127.0.0.1",
      "x-forwarded-host": "hub.example:3000",
    });
  });
  it("leave out what the request did not have", () => {
    expect(forwarding(new Headers(), "http")).toEqual({ "x-forwarded-proto": "http" });
  });
});

describe("account links", () => {
  it("goes back only to a path of the hub's own after signing in", () => {
    expect(safeNext("/account")).toBe("/account");
    expect(safeNext(undefined)).toBe("/");
    for (const elsewhere of ["https://evil.example/", "//evil.example/", "/\\evil.example", "account"]) {
      expect(safeNext(elsewhere)).toBe("/");
    }
  });
  it("reads a mail link's key whether or not the route left it quoted", () => {
    expect(linkKey("MQ%3A1vS%3Aabc")).toBe("MQ:1vS:abc");
    expect(linkKey("MQ:1vS:abc")).toBe("MQ:1vS:abc");
    expect(linkKey("100%")).toBe("100%");
  });
});
