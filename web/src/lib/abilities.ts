// What the viewer may do, in one place, from what the API answered: the `permissions` it lists
// on groups, posts and comments (roles.py's actions, by the viewer's role and the content's
// state), and its own fields (`membership`, `banned`, `readable`, `joins_at_once`). Pages and
// components take these answers and never work them out from roles or visibility.
import type { Comment, Group, Post } from "@/api/types";

export type GroupAction = Group["permissions"][number];
export type PostAction = Post["permissions"][number];
export type CommentAction = Comment["permissions"][number];

/** Plain booleans, so a server page can hand them to client components as props. */
export interface GroupAbilities {
  /** Read what is in the group: its posts, its members and their count, its tags. */
  read: boolean;
  /** Joining makes a member at once (else it asks the moderators). */
  joinsAtOnce: boolean;
  /** Write a post, react and comment. */
  post: boolean;
  /** Leave: a member who does not own the group. */
  leave: boolean;
  /** The moderators' page: its reports or its log. */
  moderate: boolean;
  handleReports: boolean;
  viewModerationLog: boolean;
  update: boolean;
  archive: boolean;
  changeRoles: boolean;
  removeMembers: boolean;
  decideJoinRequests: boolean;
  manageBans: boolean;
  manageInvitations: boolean;
  /** Make sign-up links into the group (whoever signs up with one joins it). */
  inviteToSignUp: boolean;
  /** Pin, lock, hide and restore its content. */
  moderateContent: boolean;
}

export function membershipRole(group: Group): string | null {
  const role = (group.membership as { role?: unknown } | null)?.role;
  return typeof role === "string" ? role : null;
}

/** Whether the API lets the viewer do `action` in `group`. */
export function groupMay(group: Group, action: GroupAction): boolean {
  return group.permissions.includes(action);
}

/** The actions the Manage page (`/g/{id}/manage`) offers. */
export const MANAGE_ACTIONS: GroupAction[] = [
  "update_group",
  "archive_group",
  "change_roles",
  "remove_members",
  "decide_join_requests",
  "manage_bans",
  "manage_invitations",
  "invite_to_sign_up",
];

/** Whether the Manage page has anything for the viewer. */
export function mayManage(group: Group): boolean {
  return MANAGE_ACTIONS.some((action) => groupMay(group, action));
}

/** Whether the moderation page (reports, log) has anything for the viewer. */
export function mayModerate(group: Group): boolean {
  return groupMay(group, "handle_reports") || groupMay(group, "view_moderation_log");
}

export function groupAbilities(group: Group): GroupAbilities {
  const allows = (action: GroupAction) => groupMay(group, action);
  return {
    read: group.readable,
    joinsAtOnce: group.joins_at_once,
    post: allows("post"),
    leave: group.membership !== null && membershipRole(group) !== "owner",
    moderate: allows("handle_reports") || allows("view_moderation_log"),
    handleReports: allows("handle_reports"),
    viewModerationLog: allows("view_moderation_log"),
    update: allows("update_group"),
    archive: allows("archive_group"),
    changeRoles: allows("change_roles"),
    removeMembers: allows("remove_members"),
    decideJoinRequests: allows("decide_join_requests"),
    manageBans: allows("manage_bans"),
    manageInvitations: allows("manage_invitations"),
    inviteToSignUp: allows("invite_to_sign_up"),
    moderateContent: allows("moderate_content"),
  };
}

export type PostAbilities = Record<PostAction, boolean>;

const POST_ACTIONS: PostAction[] = [
  "edit",
  "delete",
  "pin",
  "unpin",
  "lock",
  "unlock",
  "hide",
  "restore",
  "comment",
  "react",
  "report",
];

/** What the API would accept from the viewer on this post now. */
export function postAbilities(post: Post): PostAbilities {
  return Object.fromEntries(
    POST_ACTIONS.map((action) => [action, post.permissions.includes(action)]),
  ) as PostAbilities;
}

/** Comment on a post: the API lists `comment` (a member's, while the post is not locked). */
export function mayTakePart(post: Post): boolean {
  return post.permissions.includes("comment");
}

export type CommentAbilities = Record<CommentAction, boolean>;

const COMMENT_ACTIONS: CommentAction[] = ["edit", "delete", "hide", "restore", "reply", "react", "report"];

/** What the API would accept from the viewer on this comment now (nothing on a placeholder). */
export function commentAbilities(comment: Comment): CommentAbilities {
  return Object.fromEntries(
    COMMENT_ACTIONS.map((action) => [action, comment.permissions.includes(action)]),
  ) as CommentAbilities;
}
