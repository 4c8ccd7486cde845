"""Bans: banning ends a user's membership, pending join request and invitation; lifting one, and
purging those past their expiry. Bans and unbans are written to the moderation log."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from communities.events import EventType, group_event
from communities.models import (
    Ban,
    Group,
    InvitationStatus,
    JoinRequestStatus,
    Membership,
    ModerationAction,
    Report,
)
from communities.roles import Action
from communities.selectors.people import active_user
from communities.services.locks import lock_group, lock_groups
from communities.services.membership.access import (
    UNKNOWN_USER,
    require_moderation_role,
    require_outranks,
)
from communities.services.membership.invitations import invitations_end
from communities.services.membership.join_requests import answer_join_requests
from communities.services.membership.members import guard_last_owner, remove_member
from communities.services.moderation_log import moderation_log_write
from divan.exceptions import InvalidInput, NotFound


def membership_ban(
    *,
    actor,
    group: Group,
    user_id: int | str,
    reason: str = "",
    expires_at: datetime | None = None,
    report: Report | None = None,
    as_site_staff: bool = False,
) -> Ban:
    """Ban a user (an id, or a username): their membership, pending join request and
    invitations end with it.
    `report` is the report that led to the ban, kept on the moderation log entry."""
    with transaction.atomic():
        group = lock_group(group.pk)
        # The role first: the checks below would tell anyone which user ids exist.
        actor_role = require_moderation_role(
            group=group, actor=actor, action=Action.MANAGE_BANS, as_site_staff=as_site_staff
        )
        if expires_at is not None and expires_at <= timezone.now():
            raise InvalidInput({"expires_at": ["The expiry must be in the future."]})
        user = active_user(user_id)
        if user_id == actor.pk or (user is not None and user.pk == actor.pk):
            raise InvalidInput({"user": ["You cannot ban yourself."]})
        if user is None:
            raise InvalidInput({"user": [UNKNOWN_USER]})
        target = Membership.objects.filter(group=group, user=user).first()
        if target is not None:
            require_outranks(actor_role=actor_role, target=target)
            guard_last_owner(group=group, membership=target, new_role=None)
            remove_member(target, group=group, actor=actor, event_type=EventType.MEMBERSHIP_REMOVED)
        ban, _ = Ban.objects.update_or_create(
            group=group,
            user=user,
            defaults={
                "banned_by": actor,
                "reason": reason,
                "expires_at": expires_at,
                "created_at": timezone.now(),
            },
        )
        group_event(
            EventType.BAN_CREATED,
            group,
            actor=actor,
            user_id=user.pk,
            expires_at=expires_at.isoformat() if expires_at else None,
            report_id=getattr(report, "pk", None),
            reason=reason,
        )
        now = timezone.now()
        answer_join_requests(
            group=group, user=user, actor=actor, status=JoinRequestStatus.DENIED, now=now
        )
        invitations_end(
            group=group, user=user, actor=actor, status=InvitationStatus.REVOKED, now=now
        )
        moderation_log_write(
            group=group,
            actor=actor,
            action=ModerationAction.BAN_USER,
            report=report,
            target_user=user,
            reason=reason,
        )
    return ban


def membership_unban(*, actor, group: Group, user_id: int, as_site_staff: bool = False) -> None:
    """Lift a ban; logged. Only the Django admin passes as_site_staff."""
    with transaction.atomic():
        group = lock_group(group.pk)
        require_moderation_role(
            group=group, actor=actor, action=Action.MANAGE_BANS, as_site_staff=as_site_staff
        )
        ban = (
            Ban.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(group=group, user_id=user_id)
            .first()
        )
        if ban is None:
            raise NotFound("That user is not banned from this group.")
        ban.delete()
        group_event(EventType.BAN_LIFTED, group, actor=actor, user_id=ban.user_id)
        moderation_log_write(
            group=group, actor=actor, action=ModerationAction.UNBAN_USER, target_user=ban.user
        )


def ban_purge_expired() -> int:
    """Delete the bans whose expiry has passed (they no longer bind anyone); how many it deleted.
    Group by group in group id order, each in a transaction of its own under the group's lock."""
    now = timezone.now()
    expired = Ban.objects.filter(expires_at__lte=now)
    group_ids = list(expired.order_by("group_id").values_list("group_id", flat=True).distinct())
    deleted = 0
    for group_id in group_ids:
        with transaction.atomic():
            locked = lock_groups([group_id])
            if not locked:
                continue  # the group itself was deleted meanwhile, and its bans with it
            group = locked[0]
            for ban in expired.filter(group=group).select_for_update().order_by("pk"):
                ban.delete()
                group_event(EventType.BAN_EXPIRED, group, actor=None, user_id=ban.user_id)
                deleted += 1
    return deleted
