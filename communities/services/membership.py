"""Writes on who belongs to a group: join, leave, roles, join requests, bans and invitations.

member_count moves only in `_add_member` and `_remove_member`, by F() in the same transaction.
Bans, unbans, removals and role changes are written to the moderation log in their transaction.

Lock order: every service in communities/services takes its row locks in this order, and none
takes a lock higher up the list once it holds one below, so that no two can wait on each other
in a cycle (PostgreSQL would end one with DeadlockDetected, a 500).

1. The group row, with `lock_group`. Every service that adds or removes members, changes
   roles, decides join requests, bans or unbans, invites or revokes or declines an invitation,
   or changes the group, locks it first, before any row beneath it: these services run one at
   a time per group, and each sees what the one before it committed (the last owner stays; a
   ban is never slipped past). Role checks are plain reads, made after this lock.
   `ban_purge_expired` goes group by group, in group id order, one transaction per group.
   The lock is FOR NO KEY UPDATE, not FOR UPDATE: it does not block the FOR KEY SHARE lock that
   an insert referencing the group takes on its row (a post, a membership, a moderation log
   entry; Django checks foreign keys at commit), so that a content write holding a membership
   row never waits on a ban that waits on that row.
2. The rows beneath the group that say who belongs: memberships (the member's own row is what
   `require_can_post` locks for a post, a comment or a reaction), join requests, invitations,
   bans. Only services that hold the group lock take more than one of these. Content services
   do not lock the group; those that post, comment, react or edit start here, with
   `require_can_post`, reading the group id from the unlocked post first (a post never changes
   group), and check authorship on that read too, before it.
3. A report: report_resolve and report_dismiss lock it, then hide content via post_hide or
   comment_hide.
4. Content: the post row (`posts.lock_post_row`), then its group's TagCount rows in tag order
   (one statement each, in `services/tags.py`), then its comment rows, then reaction rows
   (a reaction locks the post or comment it counts on before inserting or deleting its row);
   users' rows (reputation) last.
An insert also takes FOR KEY SHARE on each row it references, at commit (Django's foreign keys
are deferred), whatever the transaction holds by then. That lock conflicts only with FOR UPDATE,
so the group, post, comment, report and user rows, which inserts reference, are locked FOR NO
KEY UPDATE (and updated without changing a key), never FOR UPDATE.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from communities.events import EventType, group_event
from communities.models import (
    Ban,
    Group,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    ModerationAction,
    Report,
    Visibility,
)
from communities.roles import Action, Role, can_grant, outranks, role_allows
from communities.selectors.people import active_user
from communities.services.moderation_log import moderation_log_write
from divan.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied

UNKNOWN_USER = "No such user."  # for an unknown id, and (in the API) an unknown username


@dataclass(frozen=True)
class JoinOutcome:
    """What a join did: `membership` when the user is in, else the pending `join_request`."""

    created: bool
    membership: Membership | None = None
    join_request: JoinRequest | None = None


def lock_group(group_id: int) -> Group:
    """The group row, locked first by every write on who belongs (see the lock order above)."""
    return Group.objects.select_for_update(no_key=True).get(pk=group_id)


def require_role(*, group: Group, user, action: Action) -> Membership:
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is None or not role_allows(membership.role, action):
        raise PermissionDenied("Your role in this group does not allow this action.")
    return membership


def require_can_post(*, group_id: int, user, doing: str) -> str:
    """The user's role, if it may post, comment and react in the group; else PermissionDenied.
    A banned user is no longer a member, and is told why. Call it inside the write's transaction:
    the membership row stays locked until the write commits, so a ban (which deletes the row)
    comes either wholly before the write, and refuses it, or after it."""
    role = (
        Membership.objects.select_for_update(no_key=True)
        .filter(group_id=group_id, user=user)
        .values_list("role", flat=True)
    ).first()
    if role_allows(role, Action.POST):
        return role
    if Ban.objects.active().filter(group_id=group_id, user=user).exists():
        raise PermissionDenied("You are banned from this group.")
    raise PermissionDenied(f"Only members of this group can {doing}.")


def require_moderation_role(
    *, group: Group, actor, action: Action, as_site_staff: bool = False
) -> str:
    """The role an actor moderates a group with.

    Site staff are no moderators in the API: only the Django admin passes as_site_staff=True,
    and then a staff user acts with an owner's reach (the last-owner guard still holds).
    """
    if as_site_staff:
        if not (actor.is_active and actor.is_staff):
            raise PermissionDenied("Only site staff may moderate a group they do not belong to.")
        return Role.OWNER
    return require_role(group=group, user=actor, action=action).role


def _require_member(*, group: Group, user) -> Membership:
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        raise NotFound("That user is not a member of this group.")
    return membership


def _is_banned(*, group: Group, user) -> bool:
    return Ban.objects.active().filter(group=group, user=user).exists()


def member_add(
    *, group: Group, user, actor, via: str, role: str = Role.MEMBER
) -> tuple[Membership, bool]:
    """The one path by which anyone becomes a member (joining, an invitation, an approved
    request, creating the group): the row, member_count, and a membership.joined event that
    says `via` which. The caller holds the group lock."""
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, role=role)
    except IntegrityError:  # a concurrent join won: the user is a member already
        return Membership.objects.get(group=group, user=user), False
    Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
    group_event(
        EventType.MEMBERSHIP_JOINED, group, actor=actor, user_id=user.pk, role=role, via=via
    )
    return membership, True


def _remove_member(membership: Membership, *, group: Group, actor, event_type: str) -> None:
    """The one path by which a member goes (leaving, removed, banned), with its event."""
    deleted, _ = Membership.objects.filter(pk=membership.pk).delete()
    if deleted:
        Group.objects.filter(pk=membership.group_id).update(member_count=F("member_count") - 1)
        group_event(
            event_type, group, actor=actor, user_id=membership.user_id, role=membership.role
        )


def _guard_last_owner(*, group: Group, membership: Membership, new_role: str | None) -> None:
    """Refuse to leave a group without an owner. The caller holds the group row lock."""
    if membership.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = Membership.objects.filter(group=group, role=Role.OWNER).count()
    if owners <= 1:
        raise Conflict("A group must keep at least one owner; make someone else owner first.")


def _require_outranks(*, actor_role: str, target: Membership) -> None:
    if not outranks(actor_role, target.role):
        raise PermissionDenied("You cannot act on a member whose role is equal to or above yours.")


def _invitation_event(event_type: str, invitation: Invitation, *, group: Group, actor) -> None:
    group_event(
        event_type,
        group,
        actor=actor,
        user_id=invitation.user_id,
        invitation_id=invitation.pk,
    )


def _answer_join_requests(*, group: Group, user, actor, status: str, now) -> None:
    """Answer the user's pending join request, if any (joining answers it, a ban denies it)."""
    pending = JoinRequest.objects.select_for_update().filter(
        group=group, user=user, status=JoinRequestStatus.PENDING
    )
    for join_request in pending:
        decided_by = actor if status == JoinRequestStatus.DENIED else None
        _join_request_answer(
            join_request, group=group, actor=actor, status=status, decided_by=decided_by, now=now
        )


def _join_request_answer(
    join_request: JoinRequest, *, group: Group, actor, status: str, decided_by, now
) -> None:
    """Answer one pending join request, with its event."""
    join_request.status, join_request.decided_by, join_request.decided_at = status, decided_by, now
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    group_event(
        f"join_request.{status}",
        group,
        actor=actor,
        user_id=join_request.user_id,
        join_request_id=join_request.pk,
    )


def group_join(*, user, group: Group) -> JoinOutcome:
    """Public: join now. Private: ask to join. Secret: only with a pending invitation.
    The group row is locked first, so that a ban committing meanwhile is seen, not slipped past."""
    with transaction.atomic():
        group = lock_group(group.pk)
        if _is_banned(group=group, user=user):
            raise PermissionDenied("You are banned from this group.")
        existing = Membership.objects.filter(group=group, user=user).first()
        if existing:
            return JoinOutcome(created=False, membership=existing)
        invitation = (
            Invitation.objects.select_for_update()
            .filter(group=group, user=user, status=InvitationStatus.PENDING)
            .first()
        )
        if invitation or group.visibility == Visibility.PUBLIC:
            via = "invitation" if invitation else "join"
            membership, created = member_add(group=group, user=user, actor=user, via=via)
            now = timezone.now()
            if invitation:
                invitation.status = InvitationStatus.ACCEPTED
                invitation.responded_at = now
                invitation.save(update_fields=["status", "responded_at"])
                _invitation_event(
                    EventType.INVITATION_ACCEPTED, invitation, group=group, actor=user
                )
            # A request made before the invitation (or before the group opened) is answered.
            _answer_join_requests(
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
        _guard_last_owner(group=group, membership=membership, new_role=None)
        _remove_member(membership, group=group, actor=user, event_type=EventType.MEMBERSHIP_LEFT)


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
            if group.archived_at is None:
                _guard_last_owner(group=group, membership=membership, new_role=None)
            _remove_member(
                membership, group=group, actor=user, event_type=EventType.MEMBERSHIP_LEFT
            )
        now = timezone.now()
        _answer_join_requests(
            group=group, user=user, actor=user, status=JoinRequestStatus.DENIED, now=now
        )
        for invitation in Invitation.objects.select_for_update().filter(
            group=group, user=user, status=InvitationStatus.PENDING
        ):
            invitation.status = InvitationStatus.DECLINED
            invitation.responded_at = now
            invitation.save(update_fields=["status", "responded_at"])
            _invitation_event(EventType.INVITATION_DECLINED, invitation, group=group, actor=user)


def membership_change_role(*, actor, group: Group, user_id: int, role: str) -> Membership:
    with transaction.atomic():
        group = lock_group(group.pk)
        actor_membership = require_role(group=group, user=actor, action=Action.CHANGE_ROLES)
        target = _require_member(group=group, user=user_id)
        _require_outranks(actor_role=actor_membership.role, target=target)
        if not can_grant(actor_membership.role, role):
            raise PermissionDenied(f"Your role cannot grant the role '{role}'.")
        _guard_last_owner(group=group, membership=target, new_role=role)
        if target.role == role:
            return target
        previous_role, target.role = target.role, role
        target.save(update_fields=["role"])
        group_event(
            EventType.MEMBERSHIP_ROLE_CHANGED,
            group,
            actor=actor,
            user_id=target.user_id,
            changes={"role": [previous_role, role]},
        )
        moderation_log_write(
            group=group,
            actor=actor,
            action=ModerationAction.CHANGE_ROLE,
            target_user=target.user,
            reason=f"{previous_role} -> {role}",
        )
    return target


def membership_remove(*, actor, group: Group, user_id: int) -> None:
    with transaction.atomic():
        group = lock_group(group.pk)
        actor_membership = require_role(group=group, user=actor, action=Action.REMOVE_MEMBERS)
        target = _require_member(group=group, user=user_id)
        _require_outranks(actor_role=actor_membership.role, target=target)
        _guard_last_owner(group=group, membership=target, new_role=None)
        _remove_member(target, group=group, actor=actor, event_type=EventType.MEMBERSHIP_REMOVED)
        moderation_log_write(
            group=group,
            actor=actor,
            action=ModerationAction.REMOVE_MEMBER,
            target_user=target.user,
        )


def _decide_join_request(*, actor, group: Group, request_id: int, approve: bool) -> JoinRequest:
    with transaction.atomic():
        group = lock_group(group.pk)
        require_role(group=group, user=actor, action=Action.DECIDE_JOIN_REQUESTS)
        join_request = (
            JoinRequest.objects.select_for_update()
            .select_related("user")
            .filter(group=group, pk=request_id)
            .first()
        )
        if join_request is None:
            raise NotFound("No join request matches the given query.")
        if join_request.status != JoinRequestStatus.PENDING:
            raise Conflict(f"This join request was already {join_request.status}.")
        if approve:
            if _is_banned(group=group, user=join_request.user):
                raise Conflict("This user is banned from the group; unban them first.")
            member_add(group=group, user=join_request.user, actor=actor, via="join_request")
        _join_request_answer(
            join_request,
            group=group,
            actor=actor,
            status=JoinRequestStatus.APPROVED if approve else JoinRequestStatus.DENIED,
            decided_by=actor,
            now=timezone.now(),
        )
        moderation_log_write(
            group=group,
            actor=actor,
            action=(
                ModerationAction.APPROVE_JOIN_REQUEST
                if approve
                else ModerationAction.DENY_JOIN_REQUEST
            ),
            target_user=join_request.user,
        )
    return join_request


def join_request_approve(*, actor, group: Group, request_id: int) -> JoinRequest:
    return _decide_join_request(actor=actor, group=group, request_id=request_id, approve=True)


def join_request_deny(*, actor, group: Group, request_id: int) -> JoinRequest:
    return _decide_join_request(actor=actor, group=group, request_id=request_id, approve=False)


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
            _require_outranks(actor_role=actor_role, target=target)
            _guard_last_owner(group=group, membership=target, new_role=None)
            _remove_member(
                target, group=group, actor=actor, event_type=EventType.MEMBERSHIP_REMOVED
            )
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
        )
        now = timezone.now()
        _answer_join_requests(
            group=group, user=user, actor=actor, status=JoinRequestStatus.DENIED, now=now
        )
        for invitation in Invitation.objects.select_for_update().filter(
            group=group, user=user, status=InvitationStatus.PENDING
        ):
            invitation.status = InvitationStatus.REVOKED
            invitation.responded_at = now
            invitation.save(update_fields=["status", "responded_at"])
            _invitation_event(EventType.INVITATION_REVOKED, invitation, group=group, actor=actor)
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
            group = Group.objects.select_for_update(no_key=True).filter(pk=group_id).first()
            if group is None:
                continue  # the group itself was deleted meanwhile, and its bans with it
            for ban in expired.filter(group=group).select_for_update().order_by("pk"):
                ban.delete()
                group_event(EventType.BAN_EXPIRED, group, actor=None, user_id=ban.user_id)
                deleted += 1
    return deleted


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
        if _is_banned(group=group, user=user):
            raise Conflict("That user is banned from this group; unban them first.")
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(group=group, user=user, invited_by=actor)
        except IntegrityError:
            pending = Invitation.objects.get(
                group=group, user=user, status=InvitationStatus.PENDING
            )
            return pending, False
        _invitation_event(EventType.INVITATION_CREATED, invitation, group=group, actor=actor)
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
        _invitation_event(f"invitation.{invitation.status}", invitation, group=group, actor=actor)
    return invitation
