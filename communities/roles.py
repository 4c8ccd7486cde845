"""The one permission table: which role may do what in a group, and who may act on whom."""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"


RANK = {Role.MEMBER: 1, Role.MODERATOR: 2, Role.ADMIN: 3, Role.OWNER: 4}


class Action(StrEnum):
    UPDATE_GROUP = "update_group"
    ARCHIVE_GROUP = "archive_group"
    CHANGE_ROLES = "change_roles"
    REMOVE_MEMBERS = "remove_members"
    DECIDE_JOIN_REQUESTS = "decide_join_requests"
    MANAGE_BANS = "manage_bans"
    MANAGE_INVITATIONS = "manage_invitations"
    POST = "post"  # write posts, comments and reactions
    MODERATE_CONTENT = "moderate_content"  # hide, restore, delete others' content; see removed
    PIN_POSTS = "pin_posts"
    LOCK_POSTS = "lock_posts"
    HANDLE_REPORTS = "handle_reports"
    VIEW_MODERATION_LOG = "view_moderation_log"


# The least role that may perform each action; every endpoint and service asks this table.
MINIMUM_ROLE: dict[Action, Role] = {
    Action.UPDATE_GROUP: Role.ADMIN,
    Action.ARCHIVE_GROUP: Role.OWNER,
    Action.CHANGE_ROLES: Role.ADMIN,
    Action.REMOVE_MEMBERS: Role.ADMIN,
    Action.DECIDE_JOIN_REQUESTS: Role.MODERATOR,
    Action.MANAGE_BANS: Role.MODERATOR,
    Action.MANAGE_INVITATIONS: Role.MODERATOR,
    Action.POST: Role.MEMBER,
    Action.MODERATE_CONTENT: Role.MODERATOR,
    Action.PIN_POSTS: Role.MODERATOR,
    Action.LOCK_POSTS: Role.MODERATOR,
    Action.HANDLE_REPORTS: Role.MODERATOR,
    Action.VIEW_MODERATION_LOG: Role.MODERATOR,
}

MODERATOR_ROLES = tuple(role for role in Role if RANK[role] >= RANK[Role.MODERATOR])


def role_allows(role: str | None, action: Action) -> bool:
    return role is not None and RANK[Role(role)] >= RANK[MINIMUM_ROLE[action]]


def outranks(actor_role: str, target_role: str) -> bool:
    """An owner may act on anyone, other owners included; everyone else only on lower roles."""
    return actor_role == Role.OWNER or RANK[Role(actor_role)] > RANK[Role(target_role)]


def can_grant(actor_role: str, role: str) -> bool:
    """An owner may grant any role; an admin only roles below its own."""
    return actor_role == Role.OWNER or RANK[Role(actor_role)] > RANK[Role(role)]
