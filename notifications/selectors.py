"""What of a person's notifications they may see now: visibility is checked again at read time.

Each type says in notifications/types.py what its recipient must still be allowed to read
(`Reads`); this module turns that into one filter per row, composed from the visibility tables
(communities/selectors/visibility.py) and the live rules (communities/rules.py): someone who
left a group, was banned from it, or lost access when it became secret sees nothing of its
content here, whatever rows are still to be removed. Items from a peer the recipient has since
blocked or muted are left out too. The inbox, its unread count and the mail all read through
`readable_notifications`.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from communities.models import Block
from communities.rules import LIVE_COMMENT, LIVE_POST, NOT_DELETED
from communities.selectors.visibility import known_group_q, readable_group_q
from notifications.models import Notification
from notifications.types import TYPES, Reads


def _reads_q(recipient) -> dict[Reads, Q]:
    readable = readable_group_q(recipient, "group__")
    return {
        Reads.CONTENT: readable
        & LIVE_POST.q("post__")
        & (Q(comment__isnull=True) | LIVE_COMMENT.q("comment__")),
        Reads.OWN_CONTENT: readable
        & NOT_DELETED.q("post__")
        & (Q(comment__isnull=True) | NOT_DELETED.q("comment__")),
        Reads.GROUP: known_group_q(recipient, "group__"),
        Reads.NOTHING: Q(),
    }


def readable_q(recipient) -> Q:
    """The rows of `recipient`'s notifications they may see now (a filter on Notification)."""
    by_reads = _reads_q(recipient)
    shown = Q(pk__in=[])
    for reads, condition in by_reads.items():
        kinds = [str(kind) for kind, spec in TYPES.items() if spec.reads == reads]
        if kinds:
            shown |= Q(type__in=kinds) & condition
    peers = [str(kind) for kind, spec in TYPES.items() if spec.from_peers]
    kept_out = Exists(Block.objects.filter(user=recipient, target=OuterRef("actor_id")))
    return shown & ~(Q(type__in=peers) & Q(kept_out))


def readable_notifications(recipient) -> QuerySet[Notification]:
    """The notifications of `recipient` they may see now."""
    return Notification.objects.filter(recipient=recipient).filter(readable_q(recipient))
