// What the viewer may do, in one place, from what the API answered: its own fields
// (`membership`, `locked`, ...) and whether it let them read a list. Pages and components take
// these answers and never work them out from roles or visibility; the API's coming
// `permissions` field will fill them here.
import type { Group, Post } from "@/api/types";

export interface GroupAbilities {
  /** Write a post, react and comment: the API counts them a member. */
  post: boolean;
  /** Leave: a member who does not own the group. */
  leave: boolean;
  /** The moderators' page: the API answered its reports. */
  moderate: boolean;
}

export function membershipRole(group: Group): string | null {
  const role = (group.membership as { role?: unknown } | null)?.role;
  return typeof role === "string" ? role : null;
}

export function groupAbilities(group: Group, answered: { reports: boolean }): GroupAbilities {
  const role = membershipRole(group);
  return {
    post: group.membership !== null,
    leave: group.membership !== null && role !== "owner",
    moderate: answered.reports,
  };
}

/** Comment, reply and react on a post: a member's, while the post is not locked. */
export function mayTakePart(group: Group | null, post: Post): boolean {
  return Boolean(group?.membership) && !post.locked;
}
