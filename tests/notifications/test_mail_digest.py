"""The digest: one mail of what is unread for people away from their notifications, at most once
per NOTIFICATIONS_DIGEST_EVERY_DAYS, each item in one mail at most; never to someone present, with
the digest off, or without a verified address. Through the real mail path and SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from communities.models import Visibility
from communities.services.groups import group_update
from divan.models import OutboundMail, User
from notifications.mail import mail_digest
from notifications.models import MailSettings, Notification, TypeSetting
from notifications.types import Delivery, NotificationType
from tests.fixtures import add_member, make_group, make_post
from tests.notifications.mail_helpers import (
    eager_tasks,  # noqa: F401 - a fixture
    make_user,
    notify,
    one_click_url,
    subject_of,
    text_of,
)

pytestmark = pytest.mark.django_db
T = NotificationType


def away(user, *, hours: float = 80, joined_days: float = 30) -> None:
    """Signed in last `hours` ago, joined `joined_days` ago."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        last_login=now - timedelta(hours=hours), date_joined=now - timedelta(days=joined_days)
    )


@pytest.fixture
def scene():
    olga, bob = make_user("olga"), make_user("bob")
    group = make_group(owner=olga, name="Gardeners")
    add_member(group, bob)
    post = make_post(group=group, author=bob, title="Tomatoes in March", body="Sow?")
    away(bob)
    return {"olga": olga, "bob": bob, "group": group, "post": post}


def run_digest(mailbox) -> int:
    mail_digest.apply()
    return mailbox.deliver()


def reactions(scene, n: int) -> list[Notification]:
    """`n` hub-only rows for bob (reactions to his post, folded per hour: one a bucket here)."""
    return [
        notify(scene["bob"], T.REACTION, actor=scene["olga"], post=scene["post"], due_in=None)
        for _ in range(n)
    ]


def test_an_away_person_with_25_unread_gets_one_digest_of_20_and_5_more(scene, mailbox):
    rows = reactions(scene, 25)

    assert run_digest(mailbox) == 1

    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "bob@example.com"
    assert subject_of(mail) == "[Divan] 25 unread notifications while you were away"
    text = text_of(mail)
    assert "While you were away, 25 notifications came that you have not read yet:" in text
    assert text.count("- olga reacted to your post “Tomatoes in March”") == 20
    assert "...and 5 more." in text
    assert "No more digests" not in text
    assert "No more mail for “The digest of unread notifications”" in text
    assert "No more notification mail at all" in text
    now = timezone.now()
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 0  # each in one mail
    (sent_at,) = MailSettings.objects.filter(user=scene["bob"]).values_list(
        "digest_sent_at", flat=True
    )
    assert now - timedelta(minutes=1) < sent_at <= now
    assert len(rows) == 25

    # not again within the period, even with something new
    reactions(scene, 1)
    assert run_digest(mailbox) == 0
    # a period later: the new item alone
    MailSettings.objects.update(digest_sent_at=timezone.now() - timedelta(days=7, minutes=1))
    assert run_digest(mailbox) == 1
    second = mailbox.wait_for(2)[1]
    assert subject_of(second) == "[Divan] 1 unread notification while you were away"
    assert "and 0 more" not in text_of(second) and "more." not in text_of(second)
    assert OutboundMail.objects.count() == 2


def test_the_digests_one_click_stops_the_digest(scene, mailbox):
    reactions(scene, 2)
    run_digest(mailbox)
    (mail,) = mailbox.wait_for(1)
    response = APIClient().post(
        one_click_url(mail), "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip

    assert response.json() == {"unsubscribed": True, "type": "digest"}
    assert MailSettings.objects.get(user=scene["bob"]).digest is False
    MailSettings.objects.update(digest_sent_at=None)
    reactions(scene, 1)
    assert run_digest(mailbox) == 0


@pytest.mark.parametrize(
    "present",
    ["signed-in-lately", "read-lately", "new-account", "digest-off", "unverified", "inactive"],
)
def test_no_digest_for_someone_present_or_unreachable(scene, mailbox, present):
    bob = scene["bob"]
    rows = reactions(scene, 3)
    if present == "signed-in-lately":
        away(bob, hours=70)
    elif present == "read-lately":
        Notification.objects.filter(pk=rows[0].pk).update(
            read_at=timezone.now() - timedelta(hours=70)
        )
    elif present == "new-account":
        User.objects.filter(pk=bob.pk).update(last_login=None, date_joined=timezone.now())
    elif present == "digest-off":
        MailSettings.objects.create(user=bob, digest=False)
    elif present == "unverified":
        bob.emailaddress_set.update(verified=False)
    else:
        User.objects.filter(pk=bob.pk).update(is_active=False)
    before = list(Notification.objects.values_list("pk", "mailed_at"))

    assert run_digest(mailbox) == 0
    assert list(Notification.objects.values_list("pk", "mailed_at")) == before
    assert not MailSettings.objects.filter(digest_sent_at__isnull=False).exists()


def test_someone_who_never_signed_in_but_joined_long_ago_is_away(scene, mailbox):
    User.objects.filter(pk=scene["bob"].pk).update(last_login=None)
    reactions(scene, 1)

    assert run_digest(mailbox) == 1


def test_a_digest_leaves_out_what_is_read_mailed_waiting_off_or_unreadable(scene, mailbox):
    bob, olga, post = scene["bob"], scene["olga"], scene["post"]
    listed = notify(bob, T.GROUP_POST, actor=olga, post=post, due_in=None)
    read = notify(bob, T.REACTION, actor=olga, post=post, due_in=None)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now() - timedelta(days=5))
    mailed = notify(bob, T.POST_REPLY, actor=olga, post=post, due_in=None,
                    mailed_at=timezone.now() - timedelta(days=4))  # fmt: skip
    waiting = notify(bob, T.MENTION, actor=olga, post=post, due_in=60)  # its prompt mail comes
    off = notify(bob, T.THREAD_COMMENT, actor=olga, post=post, due_in=None)
    TypeSetting.objects.create(user=bob, type=T.THREAD_COMMENT, delivery=Delivery.OFF)
    elsewhere = make_group(owner=olga, name="Beekeepers", visibility=Visibility.PRIVATE)
    secret_post = make_post(group=elsewhere, author=olga, title="Queen bees", body="...")
    unreadable = notify(bob, T.MENTION, actor=olga, post=secret_post, due_in=None)

    assert run_digest(mailbox) == 1

    text = text_of(mailbox.wait_for(1)[0])
    assert "- olga posted “Tomatoes in March” in Gardeners" in text
    assert "Queen bees" not in text and "Beekeepers" not in text
    assert "reacted" not in text and "commented" not in text and "mentioned" not in text
    just_now = timezone.now() - timedelta(minutes=1)
    mailed_now = Notification.objects.filter(mailed_at__gt=just_now).values_list("pk", flat=True)
    assert list(mailed_now) == [listed.pk]
    for row in (read, waiting, off, unreadable):
        assert Notification.objects.get(pk=row.pk).mailed_at is None
    assert Notification.objects.get(pk=mailed.pk).mailed_at < timezone.now() - timedelta(days=3)


def test_nothing_readable_left_sends_nothing(scene, mailbox):
    olaf = make_user("olaf")  # no member: reads a public group's content, not a secret one's
    away(olaf)
    notify(olaf, T.GROUP_POST, actor=scene["olga"], post=scene["post"], due_in=None)
    group_update(actor=scene["olga"], group=scene["group"], visibility=Visibility.SECRET)

    assert run_digest(mailbox) == 0
    assert OutboundMail.objects.count() == 0
    assert not MailSettings.objects.filter(digest_sent_at__isnull=False).exists()


@pytest.mark.usefixtures("eager_tasks")
def test_many_people_are_taken_in_batches_each_once(scene, mailbox, settings):
    settings.NOTIFICATIONS_MAIL_BATCH = 2
    people = [make_user(f"p{n}") for n in range(5)]
    for person in people:
        away(person)
        notify(person, T.INVITATION, actor=scene["olga"], group=scene["group"], due_in=None)
    reactions(scene, 1)

    # a full batch queues the next one (run at once here): the chain goes through everyone
    assert mail_digest.delay().get() == 2
    assert mailbox.deliver() == 6
    assert sorted(m["To"] for m in mailbox.wait_for(6)) == sorted(
        [f"p{n}@example.com" for n in range(5)] + ["bob@example.com"]
    )
    assert run_digest(mailbox) == 0
