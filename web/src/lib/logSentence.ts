// The moderation log and the report queue in words: "carol hid erin's post “Buy cheap
// watches” — spam", "alice made carol a moderator". Pure, so that the units test it.
import type { ModerationLogEntry } from "@/api/types";

/** What a log entry or report points at, as the page could read it (null: gone, or unread). */
export interface ContentSummary {
  kind: "post" | "comment";
  id: number;
  /** The post the content is (or is on). */
  postId: number;
  /** The post's title (or body), or the comment's body. */
  text: string;
  /** A titled post's body; "" otherwise. */
  body: string;
  author: string | null;
  hidden: boolean;
}

const CONTENT_VERBS: Record<string, string> = {
  hide_post: "hid",
  restore_post: "restored",
  delete_post: "deleted",
  pin_post: "pinned",
  unpin_post: "unpinned",
  lock_post: "locked",
  unlock_post: "unlocked",
  hide_comment: "hid",
  restore_comment: "restored",
  delete_comment: "deleted",
  resolve_report: "resolved a report on",
  dismiss_report: "dismissed a report on",
};

const ARTICLE: Record<string, string> = { member: "a member", moderator: "a moderator", admin: "an admin", owner: "an owner" };

/** At most `length` characters of `text`, on one line. */
export function excerpt(text: string, length = 60): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > length ? `${line.slice(0, length - 1).trimEnd()}…` : line;
}

/** "erin's post “Buy cheap watches”", or "a post" when neither its text nor its author is known. */
export function contentPhrase(
  kind: "post" | "comment",
  content: ContentSummary | null | undefined,
  author: string | null | undefined,
): string {
  const who = content?.author ?? author;
  const owner = who ? `${who}'s ${kind}` : `a ${kind}`;
  return content?.text ? `${owner} “${excerpt(content.text)}”` : owner;
}

/** One log entry as a sentence (the reason after a dash), from its actor's point of view. */
export function logSentence(
  entry: ModerationLogEntry,
  content: ContentSummary | null | undefined = null,
): string {
  const actor = entry.actor?.username ?? "[deleted]";
  const target = entry.target_user?.username ?? "[deleted]";
  const reason = entry.reason?.trim() ?? "";
  let sentence: string;
  let withReason = true;
  const verb = CONTENT_VERBS[entry.action];
  if (verb) {
    const kind = entry.comment != null ? "comment" : "post";
    sentence = `${actor} ${verb} ${contentPhrase(kind, content, entry.target_user?.username)}`;
  } else if (entry.action === "change_role") {
    const [, to] = reason.split("->").map((part) => part.trim());
    sentence = to ? `${actor} made ${target} ${ARTICLE[to] ?? to}` : `${actor} changed ${target}'s role`;
    withReason = !to;
  } else {
    const phrases: Record<string, string> = {
      ban_user: `${actor} banned ${target}`,
      unban_user: `${actor} lifted ${target}'s ban`,
      remove_member: `${actor} removed ${target} from the group`,
      approve_join_request: `${actor} let ${target} in`,
      deny_join_request: `${actor} turned down ${target}'s request to join`,
      invite_user: `${actor} invited ${target}`,
      revoke_invitation: `${actor} took back ${target}'s invitation`,
    };
    sentence = phrases[entry.action] ?? `${actor}: ${entry.action.replaceAll("_", " ")} ${target}`;
  }
  return withReason && reason ? `${sentence} — ${reason}` : sentence;
}
