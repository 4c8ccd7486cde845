"""notifications.purge: each person keeps their newest NOTIFICATIONS_KEEP_PER_USER rows younger
than NOTIFICATIONS_KEEP_DAYS, read or not; the work is one statement per batch of users, each
batch a task of its own."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification
from notifications.retention import notifications_purge_users, purge
from notifications.types import NotificationType
from tests.factories import UserFactory
from tests.notifications.mail_helpers import eager_tasks  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
T = NotificationType


def rows_for(user, n: int, *, age_days: float = 0, read: bool = False) -> list[int]:
    """`n` rows for `user` (ids in the order made), last touched `age_days` ago."""
    when = timezone.now() - timedelta(days=age_days)
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user, type=T.GROUP_POST, group_key=f"group_post:{uuid.uuid4()}",
            event_id=uuid.uuid4(), created_at=when, updated_at=when,
            read_at=when if read else None,
        )
        for _ in range(n)
    )  # fmt: skip
    return [row.pk for row in made]


def kept(user) -> list[int]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("pk", flat=True)
    )


def test_each_person_keeps_their_newest_rows_up_to_the_cap(settings):
    settings.NOTIFICATIONS_KEEP_PER_USER = 1000
    many, few = UserFactory(), UserFactory()
    oldest = rows_for(many, 5, age_days=3, read=True)
    newest = rows_for(many, 1000)
    fews = rows_for(few, 10, age_days=80)

    assert purge.apply().get() == 5

    assert kept(many) == newest
    assert set(oldest).isdisjoint(kept(many))
    assert kept(few) == fews


def test_rows_past_the_age_go_read_or_not_and_an_item_folded_lately_stays(settings):
    settings.NOTIFICATIONS_KEEP_DAYS = 90
    bob = UserFactory()
    old_read = rows_for(bob, 2, age_days=91, read=True)
    old_unread = rows_for(bob, 3, age_days=90.01)
    young = rows_for(bob, 2, age_days=89.9)
    (folded,) = rows_for(bob, 1, age_days=100)
    Notification.objects.filter(pk=folded).update(updated_at=timezone.now() - timedelta(days=1))

    assert purge.apply().get() == 5

    assert kept(bob) == sorted([*young, folded])
    assert Notification.objects.filter(pk__in=old_read + old_unread).count() == 0


def test_one_batch_of_users_is_one_delete(settings):
    settings.NOTIFICATIONS_KEEP_PER_USER = 3
    people = [UserFactory() for _ in range(4)]
    for person in people:
        rows_for(person, 5)
        rows_for(person, 1, age_days=200)

    with CaptureQueriesContext(connection) as queries:
        deleted = notifications_purge_users(
            user_ids=[person.pk for person in people], now=timezone.now()
        )

    # whose unread items go (their kept unread counts end), then the DELETE
    assert [query["sql"].split()[0] for query in queries] == ["SELECT", "DELETE"]
    assert deleted == 4 * 3
    assert [len(kept(person)) for person in people] == [3, 3, 3, 3]


@pytest.mark.usefixtures("eager_tasks")
def test_users_are_taken_in_batches_until_none_is_left(settings):
    settings.NOTIFICATIONS_KEEP_PER_USER = 2
    settings.NOTIFICATIONS_PURGE_BATCH = 2
    people = [UserFactory() for _ in range(5)]
    for person in people:
        rows_for(person, 4)

    assert purge.delay().get() == 4  # the first batch's; each next batch ran as its own task

    assert [len(kept(person)) for person in people] == [2, 2, 2, 2, 2]
