// Notifications in words: "alice and 12 others reacted to your post “Title”", and the bell's
// name. Where an item leads is the API's `path` (the page its mail links to). Pure, so that the
// units test it.
import type { Notification, NotificationType, Unread } from "@/api/types";

type Item = Pick<Notification, "type" | "count" | "actors" | "group" | "post" | "comment" | "data">;

const ROLE_ARTICLE: Record<string, string> = {
  member: "a member",
  moderator: "a moderator",
  admin: "an admin",
  owner: "an owner",
};

/**
 * Who acted: the newest actor and how many more events the item folds ("alice and 12 others"),
 * or every name when the item folds no more events than it names ("alice and bob").
 */
export function who(item: Pick<Notification, "count" | "actors">): string {
  const names = item.actors.map((actor) => actor.username);
  if (names.length === 0) return item.count > 1 ? `Someone and ${others(item.count - 1)}` : "Someone";
  if (item.count <= names.length) {
    if (names.length === 1) return names[0];
    return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  }
  return `${names[0]} and ${others(item.count - 1)}`;
}

function others(count: number): string {
  return count === 1 ? "1 other" : `${count} others`;
}

function counted(count: number, noun: string): string {
  return count === 1 ? `1 ${noun}` : `${count} ${noun}s`;
}

/** “Title”, or "a post" for a post without one. */
function post(item: Item): string {
  return item.post?.title ? `“${item.post.title}”` : "a post";
}

function yours(item: Item): string {
  if (item.comment) return `your comment on ${post(item)}`;
  return item.post?.title ? `your post “${item.post.title}”` : "your post";
}

function group(item: Item): string {
  return item.group?.name ?? "a group";
}

function reason(item: Item): string {
  const text = item.data.reason?.trim();
  return text ? `: ${text}` : "";
}

// One sentence per type. A moderator's decision names no moderator: it is the group's.
const SENTENCES: Record<NotificationType, (item: Item) => string> = {
  post_reply: (item) => `${who(item)} replied to your post${item.post?.title ? ` “${item.post.title}”` : ""}`,
  comment_reply: (item) => `${who(item)} replied to your comment on ${post(item)}`,
  thread_comment: (item) => `${who(item)} commented on ${post(item)}, which you watch`,
  mention: (item) => `${who(item)} mentioned you in ${item.comment ? "a comment on " : ""}${post(item)}`,
  reaction: (item) => `${who(item)} reacted to ${yours(item)}`,
  group_post: (item) => `${who(item)} posted ${post(item)} in ${group(item)}`,
  join_request_approved: (item) => `Your request to join ${group(item)} was approved`,
  join_request_denied: (item) => `Your request to join ${group(item)} was declined`,
  invitation: (item) => `${who(item)} invited you to join ${group(item)}`,
  content_hidden: (item) => `A moderator hid ${yours(item)} in ${group(item)}${reason(item)}`,
  content_restored: (item) => `A moderator restored ${yours(item)} in ${group(item)}${reason(item)}`,
  banned: (item) => `You were banned from ${group(item)}${reason(item)}`,
  unbanned: (item) => `Your ban from ${group(item)} was lifted`,
  role_changed: (item) => {
    const role = item.data.role;
    return role ? `You are now ${ROLE_ARTICLE[role] ?? role} in ${group(item)}` : `Your role in ${group(item)} changed`;
  },
  report_resolved: (item) => {
    const outcome = item.data.outcome ?? "closed";
    return `A report you filed in ${group(item)} was ${outcome}`;
  },
  join_request_new: (item) =>
    item.actors.length ? `${who(item)} asked to join ${group(item)}` : `${counted(item.count, "new join request")} to ${group(item)}`,
  report_new: (item) => `${counted(item.count, "new report")} in ${group(item)}`,
};

/** An inbox item as a sentence. */
export function notificationSentence(item: Item): string {
  const sentence = SENTENCES[item.type];
  return sentence ? sentence(item) : "Something happened";
}

/** The inbox itself: where an item about you alone leads (the API's `path` for it). */
export const INBOX = "/notifications";

/** The bell's accessible name: "Notifications, 5 unread", "Notifications, 99+ unread". */
export function bellLabel(unread: Pick<Unread, "total" | "display"> | null): string {
  return unread && unread.total > 0 ? `Notifications, ${unread.display} unread` : "Notifications";
}

/** The badge's text, or null for none: the API's own `display` ("5", "99+"). */
export function badgeText(unread: Pick<Unread, "total" | "display"> | null): string | null {
  return unread && unread.total > 0 ? unread.display : null;
}

/**
 * What marks as read what the inbox showed: those unread items by id (a page is at most 100).
 * Never "up to" an id: under a filter (unread, a type) older unread items on later pages, and a
 * folded item made unread again at its old id, would be marked unseen.
 */
export function readMark(shown: Pick<Notification, "id" | "read">[]): { ids: number[] } | null {
  const unread = shown.filter((item) => !item.read).map((item) => item.id);
  return unread.length === 0 ? null : { ids: unread.slice(0, 100) };
}
