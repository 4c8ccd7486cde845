// Notifications in words and links, without a browser: a sentence for every type, grouped
// actors, where each item leads (as its mail links), the bell's badge and name, and what the
// inbox marks read.
import { describe, expect, it } from "vitest";
import type { Notification, NotificationType } from "../src/api/types";
import {
  badgeText,
  bellLabel,
  notificationSentence,
  readMark,
  who,
} from "../src/lib/notifications";
import { inboxPage, inboxPath } from "../src/lib/paths";
import { postLevelState } from "../src/components/LevelSwitch";

const GROUP = { id: 4, name: "Book Club", slug: "book-club" };
const POST = { id: 7, title: "Tomatoes in March" };
const COMMENT = { id: 31, excerpt: "Mine came up in a week." };
const actor = (id: number, username: string) => ({ id, username });

function item(type: NotificationType, fields: Partial<Notification> = {}): Notification {
  return {
    id: 1,
    type,
    created_at: "2026-12-07T10:00:00Z",
    updated_at: "2026-12-07T10:00:00Z",
    read: false,
    count: 1,
    actors: [actor(2, "bob")],
    group: GROUP,
    post: POST,
    comment: null,
    data: {},
    ...fields,
  };
}

describe("who acted", () => {
  it("names one, lists those it names, and counts the rest", () => {
    expect(who({ count: 1, actors: [actor(1, "alice")] })).toBe("alice");
    expect(who({ count: 2, actors: [actor(1, "alice"), actor(2, "bob")] })).toBe("alice and bob");
    expect(who({ count: 3, actors: [actor(1, "alice"), actor(2, "bob"), actor(3, "carol")] })).toBe(
      "alice, bob and carol",
    );
    expect(who({ count: 13, actors: [actor(1, "alice"), actor(2, "bob"), actor(3, "carol")] })).toBe(
      "alice and 12 others",
    );
    expect(who({ count: 2, actors: [actor(1, "alice")] })).toBe("alice and 1 other");
    expect(who({ count: 1, actors: [] })).toBe("Someone");
    expect(who({ count: 4, actors: [] })).toBe("Someone and 3 others");
  });
});

describe("notificationSentence", () => {
  const cases: [Notification, string][] = [
    [item("post_reply"), "bob replied to your post “Tomatoes in March”"],
    [item("post_reply", { post: { id: 7, title: "" } }), "bob replied to your post"],
    [item("comment_reply", { comment: COMMENT }), "bob replied to your comment on “Tomatoes in March”"],
    [item("thread_comment", { comment: COMMENT }), "bob commented on “Tomatoes in March”, which you watch"],
    [item("mention"), "bob mentioned you in “Tomatoes in March”"],
    [item("mention", { comment: COMMENT }), "bob mentioned you in a comment on “Tomatoes in March”"],
    [
      item("reaction", { count: 13, actors: [actor(1, "alice"), actor(2, "bob"), actor(3, "carol")] }),
      "alice and 12 others reacted to your post “Tomatoes in March”",
    ],
    [item("reaction", { comment: COMMENT }), "bob reacted to your comment on “Tomatoes in March”"],
    [item("group_post"), "bob posted “Tomatoes in March” in Book Club"],
    [item("join_request_approved", { actors: [], post: null }), "Your request to join Book Club was approved"],
    [item("join_request_denied", { actors: [], post: null }), "Your request to join Book Club was declined"],
    [item("invitation", { post: null }), "bob invited you to join Book Club"],
    [
      item("content_hidden", { actors: [], data: { reason: "spam", target: "post" } }),
      "A moderator hid your post “Tomatoes in March” in Book Club: spam",
    ],
    [
      item("content_hidden", { actors: [], comment: COMMENT, data: { reason: "rude" } }),
      "A moderator hid your comment on “Tomatoes in March” in Book Club: rude",
    ],
    [
      item("content_restored", { actors: [], data: { reason: "a mistake" } }),
      "A moderator restored your post “Tomatoes in March” in Book Club: a mistake",
    ],
    [item("banned", { actors: [], post: null, data: { reason: "spam links" } }), "You were banned from Book Club: spam links"],
    [item("banned", { actors: [], post: null }), "You were banned from Book Club"],
    [item("unbanned", { actors: [], post: null }), "Your ban from Book Club was lifted"],
    [item("role_changed", { actors: [], post: null, data: { role: "moderator" } }), "You are now a moderator in Book Club"],
    [item("role_changed", { actors: [], post: null, data: { role: "admin" } }), "You are now an admin in Book Club"],
    [item("role_changed", { actors: [], post: null }), "Your role in Book Club changed"],
    [
      item("report_resolved", { actors: [], data: { outcome: "resolved" } }),
      "A report you filed in Book Club was resolved",
    ],
    [
      item("report_resolved", { actors: [], data: { outcome: "dismissed" } }),
      "A report you filed in Book Club was dismissed",
    ],
    [
      item("join_request_new", { post: null, count: 3, actors: [actor(5, "dave"), actor(6, "erin"), actor(7, "frank")] }),
      "dave, erin and frank asked to join Book Club",
    ],
    [item("join_request_new", { post: null, count: 2, actors: [] }), "2 new join requests to Book Club"],
    [item("report_new", { count: 1 }), "1 new report in Book Club"],
    [item("report_new", { count: 5 }), "5 new reports in Book Club"],
  ];
  it.each(cases)("says %#", (notification, sentence) => {
    expect(notificationSentence(notification)).toBe(sentence);
  });

  it("has a sentence for every type the API names", () => {
    const types: NotificationType[] = [
      "post_reply", "comment_reply", "thread_comment", "mention", "reaction", "group_post",
      "join_request_approved", "join_request_denied", "invitation", "content_hidden", "content_restored",
      "banned", "unbanned", "role_changed", "report_resolved", "join_request_new", "report_new",
    ];
    for (const type of types) expect(notificationSentence(item(type))).not.toBe("Something happened");
  });
});

describe("the bell", () => {
  it("shows the API's display, and names the count", () => {
    expect(badgeText({ total: 5, display: "5" })).toBe("5");
    expect(badgeText({ total: 100, display: "99+" })).toBe("99+");
    expect(badgeText({ total: 0, display: "0" })).toBeNull();
    expect(badgeText(null)).toBeNull();
    expect(bellLabel({ total: 5, display: "5" })).toBe("Notifications, 5 unread");
    expect(bellLabel({ total: 100, display: "99+" })).toBe("Notifications, 99+ unread");
    expect(bellLabel({ total: 0, display: "0" })).toBe("Notifications");
  });
});

describe("marking read what the inbox shows", () => {
  it("marks the unread items shown by id, never up to an id", () => {
    const shown = [
      { id: 9, read: true },
      { id: 8, read: false },
      { id: 5, read: false },
    ];
    expect(readMark(shown)).toEqual({ ids: [8, 5] });
    expect(readMark([{ id: 3, read: true }])).toBeNull();
    expect(readMark([])).toBeNull();
  });
  it("reads the inbox with its filters", () => {
    expect(inboxPath(false, "")).toBe("notifications/");
    expect(inboxPath(true, "mention")).toBe("notifications/?unread=true&type=mention");
    expect(inboxPage(false, "reaction")).toBe("/notifications?type=reaction");
    expect(inboxPage(true, "")).toBe("/notifications?unread=true");
  });
});

describe("a thread's level", () => {
  it("says watching, not watching or muted", () => {
    expect(postLevelState({ level: "watching", watching: true })).toBe("Watching");
    expect(postLevelState({ level: "default", watching: true })).toBe("Watching");
    expect(postLevelState({ level: "default", watching: false })).toBe("Not watching");
    expect(postLevelState({ level: "muted", watching: false })).toBe("Muted");
  });
});
