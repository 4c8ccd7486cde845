"""Invitations to a private or secret group: moderators invite and revoke, the invitee declines;
accepting is joining (joining.py), and leaving or a ban ends the pending one."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.events import EventType, group_event
from communities.models import (
    Group,
    Invitation,
    InvitationStatus,
    Membership,
    ModerationAction,
    Visibility,
)
from communities.roles import Action
from communities.selectors.people import active_user
from communities.services.locks import lock_group
from communities.services.membership.access import UNKNOWN_USER, is_banned, require_role
from communities.services.moderation_log import moderation_log_write
from divan.exceptions import Conflict, InvalidInput, NotFound

# The event of an invitation that ends without being accepted, by how it ended.
_INVITATION_ENDED = {
    InvitationStatus.DECLINED: EventType.INVITATION_DECLINED,
    InvitationStatus.REVOKED: EventType.INVITATION_REVOKED,
}


def invitation_event(event_type: str, invitation: Invitation, *, group: Group, actor) -> None:
    group_event(
        event_type,
        group,
        actor=actor,
        user_id=invitation.user_id,
        invitation_id=invitation.pk,
    )


def invitations_end(*, group: Group, user, actor, status: str, now) -> None:
    """End the user's pending invitation, if any, as `status` (declined when they leave, revoked
    by a ban), with its event. The caller holds the group lock."""
    for invitation in Invitation.objects.select_for_update().filter(
        group=group, user=user, status=InvitationStatus.PENDING
    ):
        invitation.status = status
        invitation.responded_at = now
        invitation.save(update_fields=["status", "responded_at"])
        invitation_event(_INVITATION_ENDED[status], invitation, group=group, actor=actor)


def invitation_create(*, actor, group: Group, user_id: int | str) -> tuple[Invitation, bool]:
    """Invite a user (an id, or a username) to a private or secret group; inviting again
    returns the pending one."""
    with transaction.atomic():
        group = lock_group(group.pk)
        # The role first: the checks below would tell anyone which user ids exist.
        require_role(group=group, user=actor, action=Action.MANAGE_INVITATIONS)
        if group.visibility == Visibility.PUBLIC:
            raise InvalidInput(
                {"user": ["Anyone may join a public group; no invitation is needed."]}
            )
        user = active_user(user_id)
        if user is None:
            raise InvalidInput({"user": [UNKNOWN_USER]})
        if Membership.objects.filter(group=group, user=user).exists():
            raise Conflict("That user is already a member of this group.")
        if is_banned(group=group, user=user):
            raise Conflict("That user is banned from this group; unban them first.")
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(group=group, user=user, invited_by=actor)
        except IntegrityError:
            pending = Invitation.objects.get(
                group=group, user=user, status=InvitationStatus.PENDING
            )
            return pending, False
        invitation_event(EventType.INVITATION_CREATED, invitation, group=group, actor=actor)
        moderation_log_write(
            group=group, actor=actor, action=ModerationAction.INVITE_USER, target_user=user
        )
        return invitation, True


def invitation_cancel(*, actor, group: Group, invitation_id: int) -> Invitation:
    """The invitee declines, or a moderator revokes, a pending invitation."""
    with transaction.atomic():
        group = lock_group(group.pk)
        invitation = (
            Invitation.objects.select_for_update()
            .filter(group=group, pk=invitation_id, status=InvitationStatus.PENDING)
            .first()
        )
        if invitation is None or invitation.user_id != actor.pk:
            # The role first: only the invitee and moderators learn which invitations exist.
            require_role(group=group, user=actor, action=Action.MANAGE_INVITATIONS)
        if invitation is None:
            raise NotFound("No pending invitation matches the given query.")
        if invitation.user_id == actor.pk:
            invitation.status = InvitationStatus.DECLINED
        else:
            invitation.status = InvitationStatus.REVOKED
            moderation_log_write(
                group=group,
                actor=actor,
                action=ModerationAction.REVOKE_INVITATION,
                target_user=invitation.user,
            )
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        invitation_event(_INVITATION_ENDED[invitation.status], invitation, group=group, actor=actor)
    return invitation
