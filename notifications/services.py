"""What a person changes of their own notifications: marking items read, their delivery per
type and their digest, and their level for a group or a post's thread. Each service owns its
transaction and its checks; none writes an outbox event, since nothing downstream follows
these (the consumer reads levels and settings when it maps an event to its recipients)."""

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from communities.selectors.visibility import post_access
from divan.exceptions import InvalidInput
from notifications.models import GroupLevel, Level, MailSettings, PostLevel, TypeSetting
from notifications.selectors import (
    PostLevelState,
    post_level_state,
    readable_group,
    readable_notifications,
)
from notifications.types import TYPES, Delivery, NotificationType
from notifications.unread import unread_changed

MARK_READ_IDS_MAX = 100


def notifications_mark_read(
    *, recipient, up_to: int | None = None, ids: Sequence[int] | None = None
) -> int:
    """Mark read the recipient's unread items with an id up to `up_to`, or those of `ids` (at
    most MARK_READ_IDS_MAX; anyone else's, or unknown ones, are left alone): exactly one of
    the two. Only what the recipient may see now is marked, so that the count answered is what
    their unread count drops by. One UPDATE, atomic by itself (no transaction around it: the
    inbox calls this each time it is opened); the number of items it marked."""
    if (up_to is None) == (ids is None):
        raise InvalidInput({"non_field_errors": ['Give exactly one of "up_to" and "ids".']})
    unread = readable_notifications(recipient).filter(read_at__isnull=True)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    else:
        if len(ids) > MARK_READ_IDS_MAX:
            message = f"Ensure this field has no more than {MARK_READ_IDS_MAX} elements."
            raise InvalidInput({"ids": [message]})
        if not ids:
            return 0
        unread = unread.filter(pk__in=list(ids))
    marked = unread.update(read_at=timezone.now())
    if marked:
        unread_changed([recipient.pk])
    return marked


def _type_check(kind: str) -> NotificationType:
    try:
        return NotificationType(kind)
    except ValueError:
        raise InvalidInput({"types": {kind: [f'"{kind}" is not a notification type.']}}) from None


def _delivery_check(kind: str, delivery: str) -> Delivery:
    try:
        return Delivery(delivery)
    except ValueError:
        choices = ", ".join(Delivery.values)
        message = f'"{delivery}" is not a valid choice. Choose from: {choices}.'
        raise InvalidInput({"types": {kind: [message]}}) from None


def type_settings_update(
    *, user, types: Mapping[str, str] | None = None, digest: bool | None = None
) -> None:
    """Set the person's delivery of each type in `types` (off, hub or mail) and their digest.
    A delivery equal to the type's default is stored as no row, so that a changed default
    reaches everyone who never chose. Every value is checked before anything is written."""
    chosen = {
        _type_check(kind): _delivery_check(kind, delivery)
        for kind, delivery in (types or {}).items()
    }
    differing = [
        TypeSetting(user=user, type=str(kind), delivery=str(delivery))
        for kind, delivery in chosen.items()
        if delivery != TYPES[kind].default
    ]
    defaults = [str(kind) for kind, delivery in chosen.items() if delivery == TYPES[kind].default]
    with transaction.atomic():
        if defaults:
            TypeSetting.objects.filter(user=user, type__in=defaults).delete()
        if differing:
            TypeSetting.objects.bulk_create(
                differing,
                update_conflicts=True,
                unique_fields=["user", "type"],
                update_fields=["delivery"],
            )
        if digest is not None:
            MailSettings.objects.update_or_create(user=user, defaults={"digest": digest})


def _level_check(level: str) -> Level:
    try:
        return Level(level)
    except ValueError:
        choices = ", ".join(Level.values)
        message = f'"{level}" is not a valid choice. Choose from: {choices}.'
        raise InvalidInput({"level": [message]}) from None


def group_level_set(*, user, group_id: int, level: str) -> str:
    """Set the person's level for a group whose content they may read (NotFound otherwise,
    so a private group's non-members cannot watch it): watching, default (no row) or muted."""
    level = _level_check(level)
    readable_group(viewer=user, group_id=group_id)
    with transaction.atomic():
        if level == Level.DEFAULT:
            GroupLevel.objects.filter(user=user, group_id=group_id).delete()
        else:
            GroupLevel.objects.bulk_create(
                [GroupLevel(user=user, group_id=group_id, level=level, updated_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["user", "group"],
                update_fields=["level", "updated_at"],
            )
    return str(level)


def post_level_set(*, user, post_id: int, level: str) -> PostLevelState:
    """Set the person's level for the thread of a post they may read (NotFound otherwise):
    watching, default (no row: an author still watches their own post) or muted."""
    level = _level_check(level)
    post, _access = post_access(viewer=user, post_id=post_id)
    with transaction.atomic():
        if level == Level.DEFAULT:
            PostLevel.objects.filter(user=user, post=post).delete()
        else:
            PostLevel.objects.bulk_create(
                [PostLevel(user=user, post=post, level=level, updated_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["user", "post"],
                update_fields=["level", "updated_at"],
            )
    return post_level_state(level=str(level), author_id=post.author_id, user_id=user.pk)
