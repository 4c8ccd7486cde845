// The moderation log in words, and the group tools read from `permissions`.
import { describe, expect, it } from "vitest";
import type { Group, ModerationLogEntry } from "../src/api/types";
import { groupMay, mayManage, mayModerate } from "../src/lib/abilities";
import { logSentence } from "../src/lib/logSentence";

const user = (username: string) => ({ id: 1, username, reputation: 0 });

function entry(action: string, fields: Partial<ModerationLogEntry> = {}): ModerationLogEntry {
  return {
    id: 1,
    actor: user("carol"),
    action: action as ModerationLogEntry["action"],
    post: null,
    comment: null,
    report: null,
    target_user: user("erin"),
    reason: "",
    created_at: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

describe("logSentence", () => {
  it("names the content, its author and the reason", () => {
    const content = { kind: "post" as const, id: 7, postId: 7, text: "Buy cheap watches", body: "", author: "erin", hidden: true };
    expect(logSentence(entry("hide_post", { post: 7, reason: "spam" }), content)).toBe(
      "carol hid erin's post “Buy cheap watches” — spam",
    );
  });

  it("says a role change as the role given", () => {
    const change = entry("change_role", { actor: user("alice"), target_user: user("carol"), reason: "member -> moderator" });
    expect(logSentence(change)).toBe("alice made carol a moderator");
    expect(logSentence({ ...change, reason: "moderator -> admin" })).toBe("alice made carol an admin");
  });

  it("says what happened to people", () => {
    expect(logSentence(entry("ban_user", { reason: "flooding" }))).toBe("carol banned erin — flooding");
    expect(logSentence(entry("unban_user"))).toBe("carol lifted erin's ban");
    expect(logSentence(entry("approve_join_request"))).toBe("carol let erin in");
    expect(logSentence(entry("invite_user"))).toBe("carol invited erin");
  });

  it("falls back to the author when the content is gone", () => {
    expect(logSentence(entry("delete_comment", { comment: 3, post: 7 }))).toBe("carol deleted erin's comment");
  });
});

describe("group tools", () => {
  const group = (permissions: string[]) => ({ permissions }) as unknown as Group;

  it("reads the API's permissions and nothing else", () => {
    expect(groupMay(group(["post", "manage_bans"]), "manage_bans")).toBe(true);
    expect(groupMay(group(["post"]), "manage_bans")).toBe(false);
    expect(mayManage(group(["post", "moderate_content"]))).toBe(false);
    expect(mayManage(group(["decide_join_requests"]))).toBe(true);
    expect(mayModerate(group(["view_moderation_log"]))).toBe(true);
    expect(mayModerate(group([]))).toBe(false);
  });
});
