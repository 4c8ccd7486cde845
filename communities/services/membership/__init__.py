"""Writes on who belongs to a group, by subject: access checks (access.py), member rows and
moderators' changes to them (members.py), a person's own joining and leaving (joining.py), join
requests, bans and invitations. Each takes the group lock first (communities/services/locks.py
holds the lock order). This package re-exports what its callers use."""

from communities.services.membership.access import (
    UNKNOWN_USER,
    require_can_post,
    require_moderation_role,
    require_role,
)
from communities.services.membership.bans import (
    ban_purge_expired,
    membership_ban,
    membership_unban,
)
from communities.services.membership.invitations import invitation_cancel, invitation_create
from communities.services.membership.join_requests import (
    join_request_approve,
    join_request_deny,
)
from communities.services.membership.joining import (
    JoinOutcome,
    group_join,
    group_leave,
    membership_depart,
)
from communities.services.membership.members import (
    member_add,
    membership_change_role,
    membership_remove,
)

__all__ = (
    "UNKNOWN_USER",
    "JoinOutcome",
    "ban_purge_expired",
    "group_join",
    "group_leave",
    "invitation_cancel",
    "invitation_create",
    "join_request_approve",
    "join_request_deny",
    "member_add",
    "membership_ban",
    "membership_change_role",
    "membership_depart",
    "membership_remove",
    "membership_unban",
    "require_can_post",
    "require_moderation_role",
    "require_role",
)
