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
    INVITE_TO_SIGN_UP = "invite_to_sign_up"  # make sign-up links that bring people into the group
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
    Action.INVITE_TO_SIGN_UP: Role.ADMIN,
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


class ContentAction(StrEnum):
    """What a viewer may do to one post or comment, as the API lists it in `permissions`."""

    EDIT = "edit"
    DELETE = "delete"
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"
    HIDE = "hide"
    RESTORE = "restore"
    COMMENT = "comment"  # on a post
    REPLY = "reply"  # to a comment
    REACT = "react"
    REPORT = "report"


def group_permissions(role: str | None) -> list[str]:
    """The group actions a role allows, in the table's order; none for non-members."""
    return [action.value for action in Action if role_allows(role, action)]


def may_delete_content(*, role: str | None, is_author: bool) -> bool:
    """A post or comment is deleted by its author (member or not), or by a moderator."""
    return is_author or role_allows(role, Action.MODERATE_CONTENT)


def may_edit_content(*, role: str | None, is_author: bool) -> bool:
    """Its author edits a post or comment while allowed to post in the group (the state of the
    content, locked or hidden, may refuse it still: see the permission lists below)."""
    return is_author and role_allows(role, Action.POST)


def post_permissions(
    post, *, role: str | None, is_author: bool, banned: bool, signed_in: bool
) -> list[str]:
    """What the endpoints on one post would accept from this viewer now: the rules the post,
    comment, reaction and report services enforce, from the viewer's role in the post's group
    (None: not a member; a banned user is none) and the post's state. Nothing on a deleted post."""
    if post.deleted_at is not None:
        return []
    hidden = post.hidden_at is not None
    allowed = {
        ContentAction.EDIT: may_edit_content(role=role, is_author=is_author)
        and not post.locked
        and not hidden,
        ContentAction.DELETE: may_delete_content(role=role, is_author=is_author),
        ContentAction.PIN: role_allows(role, Action.PIN_POSTS) and not post.pinned,
        ContentAction.UNPIN: role_allows(role, Action.PIN_POSTS) and post.pinned,
        ContentAction.LOCK: role_allows(role, Action.LOCK_POSTS) and not post.locked,
        ContentAction.UNLOCK: role_allows(role, Action.LOCK_POSTS) and post.locked,
        ContentAction.HIDE: role_allows(role, Action.MODERATE_CONTENT) and not hidden,
        ContentAction.RESTORE: role_allows(role, Action.MODERATE_CONTENT) and hidden,
        ContentAction.COMMENT: role_allows(role, Action.POST) and not post.locked,
        ContentAction.REACT: role_allows(role, Action.POST) and not post.locked,
        ContentAction.REPORT: signed_in and not banned,
    }
    return [action.value for action, ok in allowed.items() if ok]


def comment_permissions(
    comment, *, post_locked: bool, role: str | None, is_author: bool, banned: bool, signed_in: bool
) -> list[str]:
    """What the endpoints on one comment would accept from this viewer now (see
    post_permissions); nothing on a deleted comment, nor on a hidden one for non-moderators
    (they see a placeholder)."""
    hidden = comment.hidden_at is not None
    moderator = role_allows(role, Action.MODERATE_CONTENT)
    if comment.deleted_at is not None or (hidden and not moderator):
        return []
    allowed = {
        ContentAction.EDIT: may_edit_content(role=role, is_author=is_author)
        and not post_locked
        and not hidden,
        ContentAction.DELETE: may_delete_content(role=role, is_author=is_author),
        ContentAction.HIDE: moderator and not hidden,
        ContentAction.RESTORE: moderator and hidden,
        ContentAction.REPLY: role_allows(role, Action.POST) and not post_locked and not hidden,
        ContentAction.REACT: role_allows(role, Action.POST) and not post_locked,
        ContentAction.REPORT: signed_in and not banned,
    }
    return [action.value for action, ok in allowed.items() if ok]
