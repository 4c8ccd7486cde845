"""Prompt notification mail through the real mail path (OutboundMail, divan.mail.deliver, a real
SMTP server): what goes in one mail, what never goes, the one-click unsubscribe headers, and
that a run twice, a run rolled back or a row locked by another run mails each row once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from communities.models import Visibility
from communities.services.groups import group_update
from divan.models import OutboundMail
from notifications.mail import mail_item, mail_prompt, prompt_mail_send
from notifications.models import Notification, TypeSetting
from notifications.types import TYPES, Delivery, NotificationType
from tests.fixtures import add_member, make_comment, make_group, make_post
from tests.notifications.mail_helpers import (
    eager_tasks,  # noqa: F401 - a fixture
    make_user,
    notify,
    one_click_url,
    subject_of,
    text_of,
    token_of,
)

T = NotificationType


@pytest.fixture
def scene(db):
    """A public group of olga's: bob wrote a post; alice, carol and dave are members too."""
    people = {name: make_user(name) for name in ("olga", "bob", "alice", "carol", "dave")}
    group = make_group(owner=people["olga"], name="Gardeners")
    for name in ("bob", "alice", "carol", "dave"):
        add_member(group, people[name])
    post = make_post(group=group, author=people["bob"], title="Tomatoes in March", body="Sow?")
    return {**people, "group": group, "post": post}


def run_prompt(mailbox) -> int:
    """Beat's prompt run in this process, then the queued mails sent to the test's server."""
    mail_prompt.apply()
    return mailbox.deliver()


def state() -> list[tuple]:
    return list(Notification.objects.order_by("pk").values_list("pk", "mail_due_at", "mailed_at"))


def test_three_replies_within_the_delay_go_in_one_mail(scene, mailbox):
    bob, post = scene["bob"], scene["post"]
    rows = []
    for delay, name in ((-5, "alice"), (40, "carol"), (90, "dave")):  # one due, two not yet
        comment = make_comment(post=post, author=scene[name], body=f"Secret words of {name}")
        rows.append(notify(bob, T.POST_REPLY, actor=scene[name], post=post, comment=comment,
                           due_in=delay))  # fmt: skip

    assert run_prompt(mailbox) == 1
    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "bob@example.com"
    assert subject_of(mail) == (
        "[Divan] dave commented on your post “Tomatoes in March” (and 2 more)"
    )
    text = text_of(mail)
    hub = "http://127.0.0.1:3000"
    for row, name in zip(rows, ("alice", "carol", "dave"), strict=True):
        line = f"- {name} commented on your post “Tomatoes in March”\n"
        assert line + f"  {hub}/p/{post.pk}#comment-{row.comment_id}\n" in text
        assert f"Secret words of {name}" not in text  # a mail never carries what was written
    assert text.index("alice commented") < text.index("carol commented") < text.index("dave")
    assert f"All your notifications: {hub}/notifications" in text
    assert "No more mail for “Replies to your posts”: " + hub + "/unsubscribe?token=" in text
    assert "No more notification mail at all: " + hub + "/unsubscribe?token=" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert f'href="{hub}/p/{post.pk}#comment-{rows[0].comment_id}"' in html
    assert Notification.objects.filter(mailed_at__isnull=False).count() == 3

    # beat's next runs find nothing: each row went once
    assert run_prompt(mailbox) == 0
    assert OutboundMail.objects.count() == 1
    assert len(mailbox.inbox.messages) == 1


def test_rows_not_yet_due_wait_for_their_time(scene, mailbox):
    notify(scene["bob"], T.POST_REPLY, actor=scene["alice"], post=scene["post"], due_in=60)
    before = state()

    assert run_prompt(mailbox) == 0
    assert state() == before


def test_a_row_read_before_it_is_due_is_not_mailed_nor_looked_at_again(scene, mailbox):
    bob, post = scene["bob"], scene["post"]
    early = notify(bob, T.POST_REPLY, actor=scene["alice"], post=post, due_in=60)
    late = notify(bob, T.MENTION, actor=scene["carol"], post=post, due_in=-60)
    Notification.objects.filter(pk__in=[early.pk, late.pk]).update(read_at=timezone.now())

    assert run_prompt(mailbox) == 0
    assert mailbox.inbox.messages == []
    assert state() == [(early.pk, None, None), (late.pk, None, None)]


def test_a_row_whose_group_became_secret_is_not_mailed(scene, mailbox):
    outsider = make_user("olaf")  # no member: reads a public group's content, not a secret one's
    post = make_post(group=scene["group"], author=scene["alice"], body="@olaf look")
    row = notify(outsider, T.MENTION, actor=scene["alice"], post=post)
    group_update(actor=scene["olga"], group=scene["group"], visibility=Visibility.SECRET)

    assert run_prompt(mailbox) == 0
    assert mailbox.inbox.messages == []
    assert state() == [(row.pk, None, None)]


def test_a_ban_mailed_after_its_group_went_secret_names_no_group(scene, mailbox):
    """An item about its recipient alone is mailed whatever the group became, but a group they
    may no longer know is "a group" (its new name stays secret)."""
    outsider = make_user("olaf")
    notify(outsider, T.BANNED, group=scene["group"], data={"reason": "spam"})
    group_update(actor=scene["olga"], group=scene["group"], visibility=Visibility.SECRET)
    group_update(actor=scene["olga"], group=scene["group"], name="Top secret plans")

    assert run_prompt(mailbox) == 1
    (message,) = mailbox.inbox.messages
    assert subject_of(message) == "[Divan] You were banned from a group: spam"
    assert "Top secret" not in text_of(message) and "Gardeners" not in text_of(message)


def test_only_a_verified_primary_address_of_an_active_account_gets_mail(scene, mailbox):
    unverified = make_user("uma", verified=False)
    gone = make_user("gus")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    rows = [notify(person, T.INVITATION, actor=scene["olga"], group=scene["group"])
            for person in (unverified, gone)]  # fmt: skip

    assert run_prompt(mailbox) == 0
    assert state() == [(row.pk, None, None) for row in rows]  # in the hub, never mailed


def test_a_type_whose_mail_was_turned_off_since_is_not_mailed(scene, mailbox):
    bob = scene["bob"]
    row = notify(bob, T.POST_REPLY, actor=scene["alice"], post=scene["post"])
    TypeSetting.objects.create(user=bob, type=T.POST_REPLY, delivery=Delivery.HUB)

    assert run_prompt(mailbox) == 0
    assert state() == [(row.pk, None, None)]


def test_each_recipient_gets_their_own_mail_and_types_fold_into_one(scene, mailbox):
    bob, alice, post = scene["bob"], scene["alice"], scene["post"]
    comment = make_comment(post=post, author=bob, body="Yes, indoors")
    notify(bob, T.MENTION, actor=alice, post=post, comment=comment)
    notify(bob, T.CONTENT_HIDDEN, actor=scene["olga"], post=post,
           data={"reason": "off topic", "target": "post"})  # fmt: skip
    notify(alice, T.COMMENT_REPLY, actor=scene["carol"], post=post, comment=comment)

    assert run_prompt(mailbox) == 2
    mails = {m["To"]: m for m in mailbox.wait_for(2)}
    bobs = text_of(mails["bob@example.com"])
    assert "- alice mentioned you in a comment on “Tomatoes in March”" in bobs
    # a moderator's decision names no moderator, and says why
    assert "- A moderator hid your post “Tomatoes in March” in Gardeners: off topic" in bobs
    assert not [line for line in bobs.splitlines() if "olga" in line and "token=" not in line]
    assert "No more mail for “Mentions of you”" in bobs
    assert "No more mail for “Your content hidden by a moderator”" in bobs
    # two types in one mail: one click stops all notification mail, as the header says
    url = one_click_url(mails["bob@example.com"])
    assert APIClient().get(url).json()["type"] is None
    assert subject_of(mails["alice@example.com"]) == (
        "[Divan] carol replied to your comment on “Tomatoes in March”"
    )


def test_the_one_click_headers_and_the_post_from_the_mail_turn_that_type_off(scene, mailbox):
    bob, alice, post = scene["bob"], scene["alice"], scene["post"]
    notify(bob, T.MENTION, actor=alice, post=post)
    run_prompt(mailbox)
    (mail,) = mailbox.wait_for(1)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    url = one_click_url(mail)
    assert url.startswith("http://127.0.0.1:3000/api/communities/v1/notifications/unsubscribe/?")

    # what a mail client does (RFC 8058): a form-encoded POST to that URL, nothing else
    response = APIClient().post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert response.json() == {"unsubscribed": True, "type": "mention"}
    assert list(TypeSetting.objects.values_list("user", "type", "delivery")) == [
        (bob.pk, "mention", "hub")
    ]
    # a mention after that stays in the hub (even one the consumer had already made due)
    later = notify(bob, T.MENTION, actor=scene["carol"], post=post)
    assert run_prompt(mailbox) == 0
    assert Notification.objects.get(pk=later.pk).mail_due_at is None
    assert len(mailbox.inbox.messages) == 1
    assert token_of(url)


def test_a_run_rolled_back_mails_nothing_and_the_next_run_mails_once(scene, mailbox):
    """What a worker killed mid-run leaves: its transaction rolled back, the mail row with it."""
    row = notify(scene["bob"], T.POST_REPLY, actor=scene["alice"], post=scene["post"])

    class Killed(Exception):
        pass

    with pytest.raises(Killed), transaction.atomic():
        assert prompt_mail_send(recipient_id=scene["bob"].pk, now=timezone.now())
        raise Killed
    assert OutboundMail.objects.count() == 0
    assert Notification.objects.get(pk=row.pk).mailed_at is None

    assert run_prompt(mailbox) == 1
    assert run_prompt(mailbox) == 0
    assert len(mailbox.wait_for(1)) == 1


@pytest.mark.django_db(transaction=True)
def test_rows_another_run_holds_are_passed_by_then_mailed_once(mailbox):
    bob, alice = make_user("bob"), make_user("alice")
    group = make_group(owner=alice, name="Gardeners")
    row = notify(bob, T.INVITATION, actor=alice, group=group)
    locked, release = threading.Event(), threading.Event()

    def other_run():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().filter(pk=row.pk).first()
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(20)
        assert mail_prompt.apply().get() == 0  # skips the locked rows, waits for nothing
        assert OutboundMail.objects.count() == 0
    finally:
        release.set()
        thread.join(20)

    assert mail_prompt.apply().get() == 1
    assert mail_prompt.apply().get() == 0
    assert mailbox.deliver() == 1
    (mail,) = mailbox.wait_for(1)
    assert subject_of(mail) == "[Divan] alice invited you to join Gardeners"
    assert f"http://127.0.0.1:3000/g/{group.pk}\n" in text_of(mail)


def test_every_type_has_a_sentence_and_a_link(scene):
    comment = make_comment(post=scene["post"], author=scene["alice"], body="Hi")
    for kind in TYPES:
        row = notify(scene["bob"], kind, actor=scene["alice"], post=scene["post"],
                     comment=comment, count=3, data={"role": "moderator"})  # fmt: skip
        item = mail_item(row)
        assert item.sentence and "None" not in item.sentence, kind
        assert item.link.startswith("http://127.0.0.1:3000/"), kind
    folded = notify(scene["bob"], T.REACTION, actor=scene["alice"], post=scene["post"], count=13)
    assert mail_item(folded).sentence == (
        "alice and 12 others reacted to your post “Tomatoes in March”"
    )
    requests = notify(scene["olga"], T.JOIN_REQUEST_NEW, group=scene["group"], count=2)
    assert mail_item(requests).sentence == "2 new join requests to Gardeners"
    assert mail_item(requests).link == f"http://127.0.0.1:3000/g/{scene['group'].pk}/moderation"
    banned = notify(scene["bob"], T.BANNED, group=scene["group"], data={"reason": "spam"})
    assert mail_item(banned).sentence == "You were banned from Gardeners: spam"
    assert mail_item(banned).link == "http://127.0.0.1:3000/notifications"


def test_the_backlog_on_metrics(scene, client):
    from prometheus_client.parser import text_string_to_metric_families

    from tests.fixtures import metrics_scrape

    bob = scene["bob"]
    notify(bob, T.POST_REPLY, actor=scene["alice"], post=scene["post"], due_in=-600)
    notify(bob, T.POST_REPLY, actor=scene["carol"], post=scene["post"], due_in=-30)
    notify(bob, T.POST_REPLY, actor=scene["dave"], post=scene["post"], due_in=60)  # not due
    read = notify(bob, T.MENTION, actor=scene["dave"], post=scene["post"], due_in=-900)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    text = metrics_scrape().content.decode()
    figures = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert figures["divan_notification_mail_due"] == 2
    assert 600 <= figures["divan_notification_mail_oldest_due_age_seconds"] < 660

    Notification.objects.update(mailed_at=timezone.now() - timedelta(seconds=1))
    text = metrics_scrape().content.decode()
    assert "divan_notification_mail_due 0.0" in text
    assert "divan_notification_mail_oldest_due_age_seconds 0.0" in text


@pytest.mark.usefixtures("eager_tasks")
def test_a_full_batch_queues_the_next_run_until_everyone_due_is_mailed(scene, mailbox, settings):
    settings.NOTIFICATIONS_MAIL_BATCH = 2
    people = [make_user(f"p{n}") for n in range(5)]
    for person in people:
        notify(person, T.INVITATION, actor=scene["olga"], group=scene["group"])

    assert mail_prompt.delay().get() == 2  # the first batch's; the rest ran as tasks of their own

    assert mailbox.deliver() == 5
    assert sorted(m["To"] for m in mailbox.wait_for(5)) == [f"p{n}@example.com" for n in range(5)]
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()
