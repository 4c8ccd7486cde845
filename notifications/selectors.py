"""What of a person's notifications they may see now: visibility is checked again at read time.

Each type says in notifications/types.py what its recipient must still be allowed to read
(`Reads`); this module turns that into one filter per row, composed from the visibility tables
(communities/selectors/visibility.py) and the live rules (communities/rules.py): someone who
left a group, was banned from it, or lost access when it became secret sees nothing of its
content here, whatever rows are still to be removed. Items from a peer the recipient has since
blocked or muted are left out too. The inbox, its unread count and the mail all read through
`readable_notifications`.
"""

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import Left

from communities.models import Block, Membership
from communities.roles import MODERATOR_ROLES
from communities.rules import LIVE_COMMENT, LIVE_POST, NOT_DELETED
from communities.selectors.visibility import (
    GroupAccess,
    group_access,
    known_group_q,
    post_access,
    readable_group_q,
)
from divan.exceptions import NotFound
from divan.models import User
from divan.sql import fetch_all
from notifications.models import (
    GroupLevel,
    Level,
    MailSettings,
    Notification,
    PostLevel,
    TypeSetting,
)
from notifications.types import TYPES, NotificationType, Reads


def _reads_q(recipient) -> dict[Reads, Q]:
    readable = readable_group_q(recipient, "group__")
    return {
        Reads.CONTENT: readable
        & LIVE_POST.q("post__")
        & (Q(comment__isnull=True) | LIVE_COMMENT.q("comment__")),
        # your post, hidden or not; your comment, hidden or not, in a post you may read
        Reads.OWN_CONTENT: readable
        & (
            Q(comment__isnull=True) & NOT_DELETED.q("post__")
            | Q(comment__isnull=False) & LIVE_POST.q("post__") & NOT_DELETED.q("comment__")
        ),
        Reads.GROUP: known_group_q(recipient, "group__"),
        Reads.MODERATION: Exists(
            Membership.objects.filter(
                group=OuterRef("group_id"), user=recipient, role__in=MODERATOR_ROLES
            )
        ),
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


# --- what the API reads (notifications/api/views.py) ------------------------------------------

UNREAD_CAP = 100  # counts stop here: the hub shows "99+" from it on
# The unread count reads at most the newest this many unread rows: a type whose unread rows are
# all older than these is counted as none. Retention keeps about this many rows per person
# (read or not), so the bound guards the cost between purges rather than cutting what is seen.
UNREAD_SCAN = 1000
ACTORS_SHOWN = 3  # the newest actors an item shows ("alice, bob and 11 others")
# An item's actors are read from the first this many of its actor_ids, so that a few of them
# since blocked or deleted still leave ACTORS_SHOWN to show.
ACTORS_READ = 10
EXCERPT_LENGTH = 140  # a comment's excerpt in an item: its first characters
# The recipient's id in the unread count's statement as compiled, replaced by the real one on
# each call: no user has a negative id.
_RECIPIENT_MARK = -987_654_321_012


# What an item shows: its own columns, its group's and its post's (never a post's body).
PAGE_FIELDS = (
    "id", "type", "group_id", "post_id", "comment_id", "actor_id", "actor_ids", "count", "data",
    "created_at", "updated_at", "read_at",
    "group__id", "group__name", "group__slug", "post__id", "post__title",
)  # fmt: skip


def notification_page_rows(*, viewer, types: Sequence[str] = (), unread: bool = False):
    """The viewer's readable notifications for a page of the inbox (newest first, by id), with
    their group, post and comment excerpt loaded in the page's own query; the page's actors
    come from `notifications_with_actors`, one query for the whole page."""
    rows = readable_notifications(viewer)
    if types:
        rows = rows.filter(type__in=list(types))
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return with_group_known(
        rows.select_related("group", "post")
        .only(*PAGE_FIELDS)
        .annotate(comment_excerpt=Left("comment__body", EXCERPT_LENGTH)),
        viewer,
    )


def with_group_known(rows: QuerySet[Notification], viewer) -> QuerySet[Notification]:
    """The rows, each with `group_known`: whether the viewer may know its group exists now. An
    item about its recipient alone (a ban, a refused request, a report's outcome) shows
    whatever the group became, but not the group itself once they may not know it (it went
    secret): not its name, not its link (`group_hidden_unless_known`)."""
    # every other type's read filter holds only while the viewer may know the group already
    about_them_alone = [str(kind) for kind, spec in TYPES.items() if spec.reads == Reads.NOTHING]
    known = ~Q(type__in=about_them_alone) | known_group_q(viewer, "group__")
    return rows.annotate(group_known=ExpressionWrapper(known, BooleanField()))


def group_hidden_unless_known(rows: Iterable[Notification]) -> None:
    """Rows read `with_group_known` lose their group where the viewer may not know it."""
    for row in rows:
        if not row.group_known:
            row.group = None


def notifications_with_actors(rows: list[Notification], *, viewer) -> list[Notification]:
    """The rows, each with `actors`: up to ACTORS_SHOWN of its newest actors ({id, username}),
    read for the whole page in one query, on an item a peer caused (types.py, from_peers); a
    deleted user is left out, and so is anyone the viewer has since blocked or muted. A
    moderator's decision has none. Also drops the group the viewer may no longer know."""
    group_hidden_unless_known(rows)
    wanted: dict[int, list[int]] = {}
    for row in rows:
        ids = list(row.actor_ids[:ACTORS_READ]) or ([row.actor_id] if row.actor_id else [])
        # a moderator's decision names nobody: the decision is the group's
        wanted[row.pk] = ids if TYPES[NotificationType(row.type)].from_peers else []
    every_id = {user_id for ids in wanted.values() for user_id in ids}
    people: dict[int, tuple[str, bool]] = {}
    if every_id:
        kept_out = Exists(Block.objects.filter(user=viewer, target=OuterRef("pk")))
        people = {
            user_id: (username, blocked)
            for user_id, username, blocked in User.objects.filter(pk__in=every_id)
            .annotate(kept_out=kept_out)
            .values_list("id", "username", "kept_out")
        }
    for row in rows:
        actors = []
        for user_id in wanted[row.pk]:
            person = people.get(user_id)
            if person is None or person[1]:
                continue
            actors.append({"id": user_id, "username": person[0]})
            if len(actors) == ACTORS_SHOWN:
                break
        row.actors = actors
    return rows


@dataclass(frozen=True)
class UnreadCount:
    total: int  # at most UNREAD_CAP
    by_type: dict[str, int]  # every type, zeros included, each at most UNREAD_CAP

    @property
    def display(self) -> str:
        return f"{UNREAD_CAP - 1}+" if self.total >= UNREAD_CAP else str(self.total)


def _unread_rows(recipient) -> QuerySet:
    """(type, count) of the recipient's newest UNREAD_SCAN unread readable rows: the newest by
    the unread partial index (notification_unread), counted by type in the same statement."""
    newest = (
        readable_notifications(recipient)
        .filter(read_at__isnull=True)
        .order_by("-id")
        .values("pk")[:UNREAD_SCAN]
    )
    return (
        Notification.objects.filter(pk__in=newest)
        .values("type")
        .annotate(unread=Count("pk"))
        .values_list("type", "unread")
        .order_by()
    )


@functools.cache
def _unread_statement() -> tuple[str, tuple, tuple[int, ...]]:
    """The unread count's statement as the ORM writes it, built once per process for a marked
    recipient: its SQL, its parameters, and the places of the recipient's id among them. The
    ORM takes longer to build it than PostgreSQL to run it, on the API's most polled endpoint.
    Only a statement whose parameters are constants but the recipient's id may be kept: one
    that held the time (a ban's expiry) would be stale on its next call, so it is refused."""
    marked = User(pk=_RECIPIENT_MARK)
    sql, params = _unread_rows(marked).query.sql_with_params()
    for param in params:
        if not isinstance(param, str | int) or isinstance(param, bool):
            raise ImproperlyConfigured(
                f"The unread count's statement takes {param!r}, which may change between calls:"
                " it can no longer be built once (notifications/selectors.py)."
            )
    places = tuple(n for n, param in enumerate(params) if param == _RECIPIENT_MARK)
    if not places:
        raise ImproperlyConfigured("The unread count's statement does not name its recipient.")
    return sql, tuple(params), places


def unread_count(*, recipient) -> UnreadCount:
    """The recipient's unread readable notifications, in all and by type, each capped at
    UNREAD_CAP: one statement. A total of the capped counts at or past the cap is past it too
    (a type at the cap has at least that many), so the total is exact below the cap."""
    sql, params, places = _unread_statement()
    params = list(params)
    for place in places:
        params[place] = recipient.pk
    counts = dict.fromkeys((str(kind) for kind in TYPES), 0)
    for kind, unread in fetch_all(sql, params):
        if kind in counts:
            counts[kind] = min(unread, UNREAD_CAP)
    return UnreadCount(total=min(sum(counts.values()), UNREAD_CAP), by_type=counts)


@dataclass(frozen=True)
class Preferences:
    delivery: dict[str, str]  # every type: the person's delivery (their setting or the default)
    digest: bool


def preferences_get(*, user) -> Preferences:
    """Each type's delivery for the person (their TypeSetting where they have one, else the
    type's default) and whether they take the digest (on without a MailSettings row)."""
    settings = dict(TypeSetting.objects.filter(user=user).values_list("type", "delivery"))
    delivery = {str(kind): settings.get(str(kind), spec.default) for kind, spec in TYPES.items()}
    digest = MailSettings.objects.filter(user=user).values_list("digest", flat=True).first()
    return Preferences(delivery=delivery, digest=True if digest is None else digest)


def readable_group(*, viewer, group_id: int) -> GroupAccess:
    """The group as the viewer sees it, if they may read its content (MAY_READ), else
    NotFound: a level is only for a group whose posts one could be told of."""
    access = group_access(viewer=viewer, group_id=group_id)
    if not access.can_view_content:
        raise NotFound("No group matches the given query.")
    return access


def group_level_get(*, user, group_id: int) -> str:
    """The person's level for a group whose content they may read (NotFound otherwise)."""
    readable_group(viewer=user, group_id=group_id)
    level = GroupLevel.objects.filter(user=user, group_id=group_id).values_list("level", flat=True)
    return level.first() or Level.DEFAULT


@dataclass(frozen=True)
class PostLevelState:
    level: str
    watching: bool  # effective: a row watching, or no row on the person's own post


def post_level_state(*, level: str, author_id: int | None, user_id: int) -> PostLevelState:
    return PostLevelState(
        level=level,
        watching=level == Level.WATCHING or (level == Level.DEFAULT and author_id == user_id),
    )


def post_level_get(*, user, post_id: int) -> PostLevelState:
    """The person's level for a post they may read (NotFound otherwise), and whether they
    watch it in effect."""
    post, _access = post_access(viewer=user, post_id=post_id)
    level = PostLevel.objects.filter(user=user, post=post).values_list("level", flat=True)
    return post_level_state(
        level=level.first() or Level.DEFAULT, author_id=post.author_id, user_id=user.pk
    )
