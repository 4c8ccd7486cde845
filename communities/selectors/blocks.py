"""Reads of a person's blocks and mutes: their list, and the kind they hold of one person."""

from django.db.models import QuerySet

from communities.models import Block
from divan.exceptions import NotFound


def block_list(*, user) -> QuerySet[Block]:
    """The people `user` blocks or mutes, with their names (deactivated ones too, so that the
    block can still be undone), for a page newest first."""
    return Block.objects.filter(user=user).select_related("target")


def block_kind(*, viewer, target) -> str | None:
    """ "block" or "mute" when the viewer blocks or mutes `target`, else None (and None for an
    anonymous viewer)."""
    if not viewer.is_authenticated or viewer.pk == target.pk:
        return None
    return Block.objects.filter(user=viewer, target=target).values_list("kind", flat=True).first()


def blocked_user(*, user, username: str):
    """The person `user` blocks or mutes under `username` (exactly, else in any case, as
    usernames are unique in any case), else NotFound."""
    blocks = Block.objects.filter(user=user).select_related("target")
    block = (
        blocks.filter(target__username=username).first()
        or blocks.filter(target__username__iexact=username).first()
    )
    if block is None:
        raise NotFound("You neither block nor mute this user.")
    return block.target
