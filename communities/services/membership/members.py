"""Member rows: the one way into a group and the one way out, and moderators' role changes and
removals. member_count moves only in `member_add` and `remove_member`, by F() in the same
transaction; role changes and removals are written to the moderation log in theirs."""

from django.db import IntegrityError, transaction
from django.db.models import F

from communities.events import EventType, group_event
from communities.models import Group, Membership, ModerationAction
from communities.roles import Action, Role, can_grant
from communities.services.locks import lock_group
from communities.services.membership.access import require_outranks, require_role
from communities.services.moderation_log import moderation_log_write
from divan.exceptions import Conflict, NotFound, PermissionDenied


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


def remove_member(membership: Membership, *, group: Group, actor, event_type: str) -> None:
    """The one path by which a member goes (leaving, removed, banned), with its event."""
    deleted, _ = Membership.objects.filter(pk=membership.pk).delete()
    if deleted:
        Group.objects.filter(pk=membership.group_id).update(member_count=F("member_count") - 1)
        group_event(
            event_type, group, actor=actor, user_id=membership.user_id, role=membership.role
        )


def guard_last_owner(*, group: Group, membership: Membership, new_role: str | None) -> None:
    """Refuse to leave a group without an owner. The caller holds the group row lock."""
    if membership.role != Role.OWNER or new_role == Role.OWNER:
        return
    owners = Membership.objects.filter(group=group, role=Role.OWNER).count()
    if owners <= 1:
        raise Conflict("A group must keep at least one owner; make someone else owner first.")


def _require_member(*, group: Group, user) -> Membership:
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        raise NotFound("That user is not a member of this group.")
    return membership


def membership_change_role(*, actor, group: Group, user_id: int, role: str) -> Membership:
    with transaction.atomic():
        group = lock_group(group.pk)
        actor_membership = require_role(group=group, user=actor, action=Action.CHANGE_ROLES)
        target = _require_member(group=group, user=user_id)
        require_outranks(actor_role=actor_membership.role, target=target)
        if not can_grant(actor_membership.role, role):
            raise PermissionDenied(f"Your role cannot grant the role '{role}'.")
        guard_last_owner(group=group, membership=target, new_role=role)
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
            role=role,
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
        require_outranks(actor_role=actor_membership.role, target=target)
        guard_last_owner(group=group, membership=target, new_role=None)
        remove_member(target, group=group, actor=actor, event_type=EventType.MEMBERSHIP_REMOVED)
        moderation_log_write(
            group=group,
            actor=actor,
            action=ModerationAction.REMOVE_MEMBER,
            target_user=target.user,
        )
