"""Helpers of the delivery tests: run the notifications consumer over what the outbox holds,
then the chunks it planned, as the events process and a worker would; read an inbox."""

from communities.models import Block
from divan.events.consumers import Event, consumer_run
from divan.events.dispatch import outbox_dispatch
from divan.events.models import OutboxEvent
from notifications.delivery import recipient_chunk_run
from notifications.models import Notification, RecipientChunk


def deliver() -> None:
    """Every event written so far, through the consumer, and every chunk it planned."""
    outbox_dispatch()
    consumer_run("notifications", seconds=120, block_ms=0, until_idle=True)
    for chunk_id in RecipientChunk.objects.filter(done_at__isnull=True).values_list(
        "pk", flat=True
    ):
        recipient_chunk_run(chunk_id)


def settle() -> None:
    """Deliver what the set-up wrote, then start from an empty inbox for everyone."""
    deliver()
    Notification.objects.all().delete()
    RecipientChunk.objects.all().delete()


def inbox(user) -> list[tuple[str, int | None]]:
    """A person's items as (type, actor id), oldest first."""
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("type", "actor_id")
    )


def types_by_user(users: dict) -> dict[str, list[str]]:
    """For each named user, the types of their items, oldest first."""
    return {
        who: list(
            Notification.objects.filter(recipient=user)
            .order_by("id")
            .values_list("type", flat=True)
        )
        for who, user in users.items()
        if user is not None
    }


def block(user, target, kind: str = "block") -> None:
    Block.objects.create(user=user, target=target, kind=kind)


def outbox_events(*types: str) -> list[Event]:
    """The events of these types in the outbox, in order, as the consumer receives them."""
    return [
        Event(
            event_id=str(row.event_id),
            type=row.type,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            payload=row.payload,
            created_at=row.created_at.isoformat(),
        )
        for row in OutboxEvent.objects.filter(type__in=types).order_by("id")
    ]
