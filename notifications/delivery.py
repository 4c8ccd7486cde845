"""Delivery: each event of communities mapped to the people it notifies, written set-based.

`event_deliver` (run by the notifications consumer, in the transaction of the event's dedup
record) writes an event's items in one statement per recipient set (notifications/queries.py
holds them, and the rules each applies); never a query per recipient. A set that can be large
(a watched group's watchers for a new post, a thread's watchers for a new comment) is planned
there as RecipientChunk rows of NOTIFICATIONS_CHUNK user ids, each written by a task
(`recipient_chunk_run`) in one statement whose transaction also marks the chunk done: a chunk
run twice or killed halfway notifies each person once (the rows are unique per recipient and
`group_key`, written ON CONFLICT DO NOTHING). A chunk whose task was lost is queued again by
the sweep. An item that does not fold is keyed "<type>:<event id>"; a folded one (reactions,
moderators' queues) "<type>:<target>:<bucket>", and each event folded in counts once because
the consumer's dedup record commits with it.

Events that take content away from someone (they left, were removed or banned, the group
became private or secret, or was archived) remove their items about it; reads filter by
visibility anyway (notifications/selectors.py), the removal makes the rows go.
"""

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from communities.events import EventType
from communities.models import Comment, Post, Report
from divan.events.consumers import Event
from divan.sql import execute, fetch_all
from notifications import queries
from notifications.metrics import count_delivered
from notifications.models import Notification, RecipientChunk
from notifications.types import NotificationType
from notifications.unread import unread_changed

logger = logging.getLogger(__name__)

# `@username` with Django's username characters (but `@`), not inside a word or an address
# ("bob@example.com" mentions nobody); a full stop that ends a sentence is not part of the name.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]+)")


def mentions_in(text: str) -> list[str]:
    """The usernames `text` mentions, each once, in order, at most NOTIFICATIONS_MENTIONS_MAX."""
    names: list[str] = []
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
            if len(names) >= settings.NOTIFICATIONS_MENTIONS_MAX:
                break
    return names


def _created_at(event: Event) -> datetime:
    return datetime.fromisoformat(event.created_at)


def _bucket(event: Event) -> int:
    """The fold bucket of an event: its creation time, in NOTIFICATIONS_FOLD_SECONDS."""
    return int(_created_at(event).timestamp()) // settings.NOTIFICATIONS_FOLD_SECONDS


def _params(event: Event, *, key: str | None = None, **values) -> dict:
    """The parameters every delivery statement takes, from the event and `values`."""
    now = timezone.now()
    actor_id = values.pop("actor_id", event.payload.get("actor_id"))
    return {
        "event_id": event.event_id,
        "key": key or event.event_id,
        "group_id": event.payload.get("group_id"),
        "post_id": None,
        "comment_id": None,
        "parent_id": None,
        "user_id": None,
        "mentions": [],
        "taken": [],
        "actor_id": actor_id,
        "actor_ids": [actor_id] if actor_id is not None else [],
        "actors_kept": settings.NOTIFICATIONS_ACTORS_KEPT,
        "now": now,
        "mail_due": now + timedelta(seconds=settings.NOTIFICATIONS_MAIL_DELAY_SECONDS),
        **values,
        "data": Jsonb(values.get("data", {})),
    }


def _write(sql: str, params: dict, *, event_created_at: datetime) -> Counter:
    """Run one delivery statement; its items by type, counted once it commits (and their
    recipients' unread counts changed)."""
    rows = fetch_all(sql, params)
    by_type = Counter(kind for kind, _recipient in rows)
    if by_type:
        transaction.on_commit(
            lambda: count_delivered(by_type, event_created_at=event_created_at), robust=True
        )
        unread_changed((recipient for _kind, recipient in rows), push=True)
    return by_type


def _deliver(event: Event, sql: str, **values) -> Counter:
    return _write(sql, _params(event, **values), event_created_at=_created_at(event))


def _plan(event: Event, kind: NotificationType, params: dict) -> list[int]:
    """Record the chunks of `kind`'s watchers for this event; their ids (none without
    watchers). A chunk carries what its statement needs, the event's time for the delay."""
    payload = {
        name: params[name]
        for name in ("key", "group_id", "post_id", "comment_id", "actor_id", "taken")
    }
    payload.update(data=params["data"].obj, event_created_at=event.created_at)
    rows = fetch_all(
        queries.CHUNK_PLAN[kind],
        {
            "event_id": event.event_id,
            "type": str(kind),
            "payload": Jsonb(payload),
            "now": timezone.now(),
            "size": settings.NOTIFICATIONS_CHUNK,
            "group_id": params["group_id"],
            "post_id": params["post_id"],
        },
    )
    return [chunk_id for (chunk_id,) in rows]


# --- each event type: (event) -> the chunks it planned
def _comment_created(event: Event) -> list[int]:
    payload = event.payload
    body = Comment.objects.filter(pk=payload["comment_id"]).values_list("body", flat=True).first()
    if body is None:
        return []
    params = _params(
        event,
        post_id=payload["post_id"],
        comment_id=payload["comment_id"],
        parent_id=payload.get("parent_id"),
        mentions=mentions_in(body),
        data={"target": "comment"},
    )
    _write(queries.COMMENT_CREATED, params, event_created_at=_created_at(event))
    told = (NotificationType.MENTION, NotificationType.COMMENT_REPLY, NotificationType.POST_REPLY)
    params["taken"] = [f"{kind}:{event.event_id}" for kind in told]
    return _plan(event, NotificationType.THREAD_COMMENT, params)


def _post_created(event: Event) -> list[int]:
    post_id = event.payload["post_id"]
    body = Post.objects.filter(pk=post_id).values_list("body", flat=True).first()
    if body is None:
        return []
    params = _params(event, post_id=post_id, mentions=mentions_in(body), data={"target": "post"})
    _write(queries.POST_MENTIONS, params, event_created_at=_created_at(event))
    params["taken"] = [f"{NotificationType.MENTION}:{event.event_id}"]
    return _plan(event, NotificationType.GROUP_POST, params)


def _reaction_added(event: Event) -> list[int]:
    payload = event.payload
    comment_id = payload.get("comment_id")
    target = ("comment", comment_id) if comment_id is not None else ("post", payload["post_id"])
    _deliver(
        event,
        queries.REACTION,
        key=f"{target[0]}:{target[1]}:{_bucket(event)}",
        post_id=payload["post_id"],
        comment_id=comment_id,
        data={"target": target[0], "kinds": [payload["kind"]]},
    )
    return []


def _to_moderators(kind: NotificationType) -> Callable[[Event], list[int]]:
    def deliver(event: Event) -> list[int]:
        key = f"group:{event.payload['group_id']}:{_bucket(event)}"
        _deliver(event, queries.to_moderators(kind), key=key)
        return []

    return deliver


def _to_user(kind: NotificationType, user_key: str = "user_id", data=None):
    """An item of `kind` for the user the payload names under `user_key`, with `data(payload)`
    and, for content, the post and comment the payload names."""

    def deliver(event: Event) -> list[int]:
        payload = event.payload
        user_id = payload.get(user_key)
        if user_id is None:
            return []
        _deliver(
            event,
            queries.to_user(kind),
            user_id=user_id,
            post_id=payload.get("post_id") if user_key == "author_id" else None,
            comment_id=payload.get("comment_id") if user_key == "author_id" else None,
            data=data(event) if data else {},
        )
        return []

    return deliver


def _moderated(target: str):
    def data(event: Event) -> dict:
        return {"target": target, "reason": event.payload.get("reason", "")}

    return data


def _role(event: Event) -> dict:
    role = event.payload.get("role") or event.payload.get("changes", {}).get("role", [None])[-1]
    return {"role": role}


def _ban(event: Event) -> dict:
    return {"reason": event.payload.get("reason", "")}


def _report_resolved(event: Event) -> list[int]:
    payload = event.payload
    reporter_id = payload.get("reporter_id", "unknown")
    if reporter_id == "unknown":  # an event written before it carried its reporter
        reporter_id = Report.objects.filter(pk=payload["report_id"]).values_list(
            "reporter_id", flat=True
        ).first()  # fmt: skip
    if reporter_id is None:
        return []
    outcome = "resolved" if event.type == EventType.REPORT_RESOLVED else "dismissed"
    target = "comment" if payload.get("comment_id") is not None else "post"
    _deliver(
        event,
        queries.to_user(NotificationType.REPORT_RESOLVED),
        user_id=reporter_id,
        data={"outcome": outcome, "target": target},
    )
    return []


# --- removal
def _removed(sql: str, params: dict) -> list[int]:
    unread_changed((recipient for (recipient,) in fetch_all(sql, params)), push=True)
    return []


def _remove_member(event: Event) -> list[int]:
    return _removed(
        queries.REMOVE_MEMBER,
        {"group_id": event.payload["group_id"], "user_id": event.payload["user_id"]},
    )


def _remove_unknown(event: Event) -> list[int]:
    return _removed(
        queries.REMOVE_UNKNOWN,
        {"group_id": event.payload["group_id"], "user_id": event.payload["user_id"]},
    )


def _demoted(event: Event) -> list[int]:
    """A role changed: the moderators' queues go from whoever no longer moderates; and the
    person is told."""
    _removed(
        queries.REMOVE_DEMOTED,
        {"group_id": event.payload["group_id"], "user_id": event.payload["user_id"]},
    )
    return _to_user(NotificationType.ROLE_CHANGED, data=_role)(event)


def _banned(event: Event) -> list[int]:
    _remove_member(event)
    return _to_user(NotificationType.BANNED, data=_ban)(event)


def _remove_unreadable(event: Event) -> list[int]:
    return _removed(queries.REMOVE_UNREADABLE, {"group_id": event.payload["group_id"]})


def _remove_group(event: Event) -> list[int]:
    theirs = Notification.objects.filter(group_id=event.payload["group_id"])
    unread_changed(theirs.values_list("recipient_id", flat=True).distinct(), push=True)
    theirs.delete()
    return []


def _recount(target: str, then: Callable[[Event], list[int]] | None = None):
    """A post or comment hidden, restored or deleted: the items about it show or not (read time
    decides), so the unread counts of whoever has one change; then what else the event does."""
    column = f"{target}_id"

    def recount(event: Event) -> list[int]:
        about = Notification.objects.filter(**{column: event.aggregate_id})
        unread_changed(about.values_list("recipient_id", flat=True).distinct(), push=True)
        return then(event) if then else []

    return recount


# What each event does; an event not named here notifies nobody (an edit, a pin, a reaction
# taken back: folded items keep what they told).
DELIVERIES: dict[str, Callable[[Event], list[int]]] = {
    EventType.COMMENT_CREATED: _comment_created,
    EventType.POST_CREATED: _post_created,
    EventType.REACTION_ADDED: _reaction_added,
    EventType.JOIN_REQUEST_CREATED: _to_moderators(NotificationType.JOIN_REQUEST_NEW),
    EventType.REPORT_CREATED: _to_moderators(NotificationType.REPORT_NEW),
    EventType.JOIN_REQUEST_APPROVED: _to_user(NotificationType.JOIN_REQUEST_APPROVED),
    EventType.JOIN_REQUEST_DENIED: _to_user(NotificationType.JOIN_REQUEST_DENIED),
    EventType.INVITATION_CREATED: _to_user(NotificationType.INVITATION),
    EventType.POST_HIDDEN: _recount(
        "post", _to_user(NotificationType.CONTENT_HIDDEN, "author_id", _moderated("post"))
    ),
    EventType.POST_RESTORED: _recount(
        "post", _to_user(NotificationType.CONTENT_RESTORED, "author_id", _moderated("post"))
    ),
    EventType.POST_DELETED: _recount("post"),
    EventType.COMMENT_HIDDEN: _recount(
        "comment", _to_user(NotificationType.CONTENT_HIDDEN, "author_id", _moderated("comment"))
    ),
    EventType.COMMENT_RESTORED: _recount(
        "comment",
        _to_user(NotificationType.CONTENT_RESTORED, "author_id", _moderated("comment")),
    ),
    EventType.COMMENT_DELETED: _recount("comment"),
    EventType.BAN_CREATED: _banned,
    EventType.BAN_LIFTED: _to_user(NotificationType.UNBANNED),
    EventType.BAN_EXPIRED: _to_user(NotificationType.UNBANNED),
    EventType.MEMBERSHIP_ROLE_CHANGED: _demoted,
    EventType.REPORT_RESOLVED: _report_resolved,
    EventType.REPORT_DISMISSED: _report_resolved,
    EventType.INVITATION_DECLINED: _remove_unknown,
    EventType.INVITATION_REVOKED: _remove_unknown,
    EventType.MEMBERSHIP_LEFT: _remove_member,
    EventType.MEMBERSHIP_REMOVED: _remove_member,
    EventType.GROUP_VISIBILITY_CHANGED: _remove_unreadable,
    EventType.GROUP_ARCHIVED: _remove_group,
}


def event_deliver(event: Event) -> list[int]:
    """Write what the event notifies, in the caller's transaction; the ids of the chunks it
    planned, to be queued once it commits."""
    deliver = DELIVERIES.get(event.type)
    return deliver(event) if deliver else []


def recipient_chunk_run(chunk_id: int) -> int:
    """Write one chunk's items and mark it done, in one transaction; how many items it wrote
    (0 when it was done already, or another worker holds it).

    The commit does not wait for the WAL to reach the disk (synchronous_commit off, for this
    transaction only): a chunk is made again from what is durable, so a commit PostgreSQL loses
    in a crash loses the chunk's items and its done mark together, and the sweep queues the
    chunk again. A chunk of 1,000 rows then costs its statement, not a disk flush besides."""
    with transaction.atomic():
        execute("SET LOCAL synchronous_commit TO OFF")
        chunk = (
            RecipientChunk.objects.select_for_update(skip_locked=True)
            .filter(pk=chunk_id, done_at__isnull=True)
            .first()
        )
        if chunk is None:
            return 0
        payload = dict(chunk.payload)
        event_created_at = datetime.fromisoformat(payload.pop("event_created_at"))
        now = timezone.now()
        params = {
            **payload,
            "event_id": str(chunk.event_id),
            "after": chunk.after_user_id,
            "last": chunk.last_user_id,
            "actor_ids": [payload["actor_id"]] if payload.get("actor_id") is not None else [],
            "data": Jsonb(payload.get("data", {})),
            "now": now,
            "mail_due": now + timedelta(seconds=settings.NOTIFICATIONS_MAIL_DELAY_SECONDS),
        }
        written = _write(
            queries.CHUNK_DELIVER[NotificationType(chunk.type)],
            params,
            event_created_at=event_created_at,
        )
        chunk.done_at, chunk.rows = now, sum(written.values())
        chunk.save(update_fields=["done_at", "rows"])
    return chunk.rows


def chunk_sweep() -> list[int]:
    """The chunks still pending NOTIFICATIONS_CHUNK_RETRY_SECONDS after they were planned (their
    task was lost), to be queued again; and the records of chunks done more than
    NOTIFICATIONS_CHUNK_KEEP_HOURS ago deleted."""
    now = timezone.now()
    RecipientChunk.objects.filter(
        done_at__lt=now - timedelta(hours=settings.NOTIFICATIONS_CHUNK_KEEP_HOURS)
    ).delete()
    cutoff = now - timedelta(seconds=settings.NOTIFICATIONS_CHUNK_RETRY_SECONDS)
    return list(
        RecipientChunk.objects.filter(done_at__isnull=True, created_at__lte=cutoff)
        .order_by("id")
        .values_list("pk", flat=True)[:1000]
    )
