// The API paths whose first page a page reads on the server and its client component reads
// again later: one spelling, so that the server's page is the client's first page.
export const threadPath = (postId: number) => `posts/${postId}/comments/?page_size=100`;
export const groupFeedPath = (id: number, order: string) => `groups/${id}/feed/?order=${order}`;
export const groupPostsPath = (id: number) => `groups/${id}/posts/?page_size=20`;
export const homeFeedPath = (order: string) => `feed/?order=${order}`;
export const myGroupsPath = "groups/?mine=true&page_size=100";
export const searchPath = (q: string) => `search/?q=${encodeURIComponent(q)}`;
export const reportsPath = (groupId: number, status = "open") => `groups/${groupId}/reports/?status=${status}`;
export const logPath = (groupId: number) => `groups/${groupId}/moderation-log/`;
/** A list of the Manage page, 100 a page (the API's cap); later pages on its cursor. */
export const manageListPath = (
  groupId: number,
  list: "members" | "join-requests" | "invitations" | "signup-invitations" | "bans",
) =>
  `groups/${groupId}/${list}/?page_size=100`;
/** The group directory: every group the viewer may see, or theirs; `query` is q= and tag=. */
export const groupsPath = (query: string, mine = false) =>
  mine ? `groups/?mine=true${query ? `&${query}` : ""}` : `groups/${query ? `?${query}` : ""}`;
export const profilePath = (username: string) => `users/${encodeURIComponent(username)}/`;
export const userPostsPath = (username: string) => `users/${encodeURIComponent(username)}/posts/`;
export const userCommentsPath = (username: string) => `users/${encodeURIComponent(username)}/comments/`;

/** A path of the hub's own to go to after signing in (`?next=`): anything else is the home page. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

/** A link's key as the API wrote it, whether or not the route's parameter was still encoded. */
export function linkKey(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}
/** The inbox: all or only unread items, of every type or one (`type`, "" for all). */
export const inboxPath = (unread: boolean, type: string) => `notifications/${inboxQuery(unread, type)}`;
/** The hub's inbox page with these filters. */
export const inboxPage = (unread: boolean, type: string) => `/notifications${inboxQuery(unread, type)}`;
function inboxQuery(unread: boolean, type: string): string {
  const query = [unread ? "unread=true" : "", type ? `type=${encodeURIComponent(type)}` : ""].filter(Boolean);
  return query.length ? `?${query.join("&")}` : "";
}
/** The people you block or mute, newest first. */
export const blocksPath = "blocks/";
/** What a mail's unsubscribe token stops (GET), and stopping it (POST). */
export const unsubscribePath = (token: string) => `notifications/unsubscribe/?token=${encodeURIComponent(token)}`;
