// What the viewer may do to a group, as the API says in its `permissions` (the roles.py actions
// their role allows). To be folded into lib/abilities.ts.
import type { Group } from "@/api/types";

export type GroupAction = Group["permissions"][number];

/** Whether the API lets the viewer do `action` in `group`. */
export function groupMay(group: Group, action: GroupAction): boolean {
  return (group.permissions ?? []).includes(action);
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
];

/** Whether the Manage page has anything for the viewer. */
export function mayManage(group: Group): boolean {
  return MANAGE_ACTIONS.some((action) => groupMay(group, action));
}

/** Whether the moderation page (reports, log) has anything for the viewer. */
export function mayModerate(group: Group): boolean {
  return groupMay(group, "handle_reports") || groupMay(group, "view_moderation_log");
}

type S = import("@/api/schema").components["schemas"];
export type Member = S["Membership"];
export type JoinRequest = S["JoinRequest"];
export type Ban = S["Ban"];
export type Invitation = S["Invitation"];
