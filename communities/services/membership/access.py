"""Who may act in a group: the role and ban checks every write on a group asks, after its lock."""

from communities.models import Ban, Group, Membership
from communities.roles import Action, Role, outranks, role_allows
from communities.services.locks import lock_membership_role
from divan.exceptions import PermissionDenied

UNKNOWN_USER = "No such user."  # for an unknown id, and (in the API) an unknown username


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
    role = lock_membership_role(group_id=group_id, user=user)
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


def require_outranks(*, actor_role: str, target: Membership) -> None:
    if not outranks(actor_role, target.role):
        raise PermissionDenied("You cannot act on a member whose role is equal to or above yours.")


def is_banned(*, group: Group, user) -> bool:
    return Ban.objects.active().filter(group=group, user=user).exists()
