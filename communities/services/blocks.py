"""Blocks and mutes: the one path that writes them (a Block row per pair; README, Blocks and
mutes, says what each hides and from whom)."""

from django.db import transaction
from django.utils import timezone

from communities.models import Block, BlockKind
from divan.exceptions import InvalidInput, NotFound


def block_set(*, user, target, kind: str) -> tuple[Block, bool]:
    """`user` blocks or mutes `target` (an active user other than themselves): a new row, or
    the pair's row given the new kind (a block replaces a mute and the other way round; its
    `created_at` then says since when it is of that kind). The row, and whether it is new."""
    try:
        kind = BlockKind(kind)
    except ValueError:
        choices = ", ".join(BlockKind.values)
        raise InvalidInput(
            {"kind": [f'"{kind}" is not a valid choice. Choose from: {choices}.']}
        ) from None
    if target.pk == user.pk:
        raise InvalidInput({"username": ["You cannot block or mute yourself."]})
    if not target.is_active:
        raise NotFound("No user matches the given query.")
    with transaction.atomic():
        block, created = Block.objects.select_for_update().get_or_create(
            user=user, target=target, defaults={"kind": kind}
        )
        if not created and block.kind != kind:
            block.kind, block.created_at = kind, timezone.now()
            block.save(update_fields=["kind", "created_at"])
    return block, created


def block_remove(*, user, target) -> None:
    """`user` no longer blocks or mutes `target`; NotFound when they did neither."""
    with transaction.atomic():
        removed, _ = Block.objects.filter(user=user, target=target).delete()
    if not removed:
        raise NotFound("You neither block nor mute this user.")
