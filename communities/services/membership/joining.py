"""A person's own way into a group and out of it: joining (or asking to), leaving, and leaving
every group when their account is deleted."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.events import EventType, group_event
from communities.models import (
    Group,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Visibility,
)
from communities.rules import LIVE_GROUP
from communities.selectors.visibility import joins_at_once
from communities.services.locks import lock_group
from communities.services.membership.access import is_banned
from communities.services.membership.invitations import invitation_event, invitations_end
from communities.services.membership.join_requests import answer_join_requests
from communities.services.membership.members import guard_last_owner, member_add, remove_member
from divan.exceptions import NotFound, PermissionDenied


@dataclass(frozen=True)
class JoinOutcome:
    """What a join did: `membership` when the user is in, else the pending `join_request`."""

    created: bool
    membership: Membership | None = None
    join_request: JoinRequest | None = None


def group_join(*, user, group: Group) -> JoinOutcome:
    """Public: join now. Private: ask to join. Secret: only with a pending invitation.
    The group row is locked first, so that a ban committing meanwhile is seen, not slipped past."""
    with transaction.atomic():
        group = lock_group(group.pk)
        if is_banned(group=group, user=user):
            raise PermissionDenied("You are banned from this group.")
        existing = Membership.objects.filter(group=group, user=user).first()
        if existing:
            return JoinOutcome(created=False, membership=existing)
        invitation = (
            Invitation.objects.select_for_update()
            .filter(group=group, user=user, status=InvitationStatus.PENDING)
            .first()
        )
        if joins_at_once(group.visibility, invited=invitation is not None):
            via = "invitation" if invitation else "join"
            membership, created = member_add(group=group, user=user, actor=user, via=via)
            now = timezone.now()
            if invitation:
                invitation.status = InvitationStatus.ACCEPTED
                invitation.responded_at = now
                invitation.save(update_fields=["status", "responded_at"])
                invitation_event(EventType.INVITATION_ACCEPTED, invitation, group=group, actor=user)
            # A request made before the invitation (or before the group opened) is answered.
            answer_join_requests(
                group=group, user=user, actor=user, status=JoinRequestStatus.APPROVED, now=now
            )
            return JoinOutcome(created=created, membership=membership)
        if group.visibility == Visibility.SECRET:
            # Without a pending invitation a secret group is invisible to the joiner: here, the
            # invitation was revoked or declined since the view found the group.
            raise NotFound("No group matches the given query.")
        try:
            with transaction.atomic():
                join_request = JoinRequest.objects.create(group=group, user=user)
        except IntegrityError:  # already pending
            join_request = JoinRequest.objects.get(
                group=group, user=user, status=JoinRequestStatus.PENDING
            )
            return JoinOutcome(created=False, join_request=join_request)
        group_event(
            EventType.JOIN_REQUEST_CREATED,
            group,
            actor=user,
            user_id=user.pk,
            join_request_id=join_request.pk,
        )
        return JoinOutcome(created=True, join_request=join_request)


def group_leave(*, user, group: Group) -> None:
    with transaction.atomic():
        group = lock_group(group.pk)
        membership = Membership.objects.filter(group=group, user=user).first()
        if membership is None:
            raise NotFound("You are not a member of this group.")
        guard_last_owner(group=group, membership=membership, new_role=None)
        remove_member(membership, group=group, actor=user, event_type=EventType.MEMBERSHIP_LEFT)


def membership_depart(*, user, group: Group) -> None:
    """A deleted account leaves a group (README, Leaving with your data): its membership ends
    (membership.left), its pending join request is withdrawn (join_request.denied, by itself)
    and its pending invitation declined (invitation.declined). A live group keeps an owner: its
    last owner is refused (Conflict), as on any leave; an archived group may lose it. Leaving a
    group one no longer has any tie to changes nothing."""
    with transaction.atomic():
        group = lock_group(group.pk)
        membership = Membership.objects.filter(group=group, user=user).first()
        if membership is not None:
            if LIVE_GROUP.holds(group):
                guard_last_owner(group=group, membership=membership, new_role=None)
            remove_member(membership, group=group, actor=user, event_type=EventType.MEMBERSHIP_LEFT)
        now = timezone.now()
        answer_join_requests(
            group=group, user=user, actor=user, status=JoinRequestStatus.DENIED, now=now
        )
        invitations_end(
            group=group, user=user, actor=user, status=InvitationStatus.DECLINED, now=now
        )
