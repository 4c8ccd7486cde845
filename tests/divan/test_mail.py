"""Mail is queued in the sender's transaction and sent by the worker's `divan.mail.deliver`
task through a real SMTP server (aiosmtpd on a free port); a server that is down delays a mail,
with backoff and a bound, and never fails the sender."""

from datetime import timedelta

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from divan.mail import deliver, retry_delay, sweep
from divan.models import OutboundMail
from divan.smtp import Inbox, SMTPServer, bound_socket
from tests.mail import body_of

pytestmark = pytest.mark.django_db


def test_a_mail_is_a_queued_row_until_the_task_sends_it(mailbox):
    message = EmailMultiAlternatives(
        "Welcome", "Hello, dave.", to=["dave@example.com"], headers={"Reply-To": "x@example.com"}
    )
    message.attach_alternative("<p>Hello, dave.</p>", "text/html")
    assert message.send() == 1

    row = OutboundMail.objects.get()
    assert (row.sent_at, row.attempts, row.recipients) == (None, 0, 1)
    assert mailbox.inbox.messages == []

    assert mailbox.deliver() == 1

    [received] = mailbox.wait_for(1)
    assert received["Subject"] == "Welcome"
    assert received["To"] == "dave@example.com"
    assert received["From"] == "Divan <divan@localhost>"
    assert received["Message-ID"] == row.payload["headers"]["Message-ID"]
    assert body_of(received) == "Hello, dave."
    assert received.get_body(preferencelist=("html",)).get_content() == "<p>Hello, dave.</p>"
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1
    assert row.payload == {}  # the text is not kept once sent


def test_a_second_delivery_of_the_same_mail_sends_nothing(mailbox):
    send_mail("Once", "Only once.", None, ["erin@example.com"])
    pk = OutboundMail.objects.get().pk

    assert deliver.apply(args=[pk]).get() == "sent"
    assert deliver.apply(args=[pk]).get() == "skipped"

    assert len(mailbox.wait_for(1)) == 1
    assert mailbox.inbox.summary() == ["erin@example.com: Once"]


def test_a_mail_of_a_rolled_back_transaction_is_never_sent(mailbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Never", "Rolled back.", None, ["frank@example.com"])
        raise RuntimeError("the request failed")

    assert OutboundMail.objects.count() == 0
    assert mailbox.deliver() == 0


@override_settings(MAIL_RETRY_BASE_SECONDS=30, MAIL_RETRY_MAX_SECONDS=100)
def test_a_server_that_is_down_delays_the_mail_with_backoff_until_it_is_back(settings):
    down = bound_socket()  # this test's port, refusing connections until the server starts
    port = down.getsockname()[1]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    send_mail("Later", "When the server is back.", None, ["gina@example.com"])
    row = OutboundMail.objects.get()

    started = timezone.now()
    assert deliver.apply(args=[row.pk]).get() == "retry"
    row.refresh_from_db()
    assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
    assert "ConnectionRefusedError" in row.last_error
    assert started + timedelta(seconds=30) <= row.next_attempt_at
    assert row.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    # not due yet: the sweep leaves it, and so does a stray delivery
    assert sweep.apply().get() == 0
    assert deliver.apply(args=[row.pk]).get() == "skipped"
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 100, 100, 100]

    server = SMTPServer(Inbox(), sock=down)
    server.start()
    try:
        OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # now due
        assert deliver.apply(args=[row.pk]).get() == "sent"
        [received] = server.handler.wait_for(lambda m: len(m) == 1, 20)
        assert received["Subject"] == "Later"
    finally:
        server.stop()
    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None


@override_settings(MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_BASE_SECONDS=0)
def test_a_mail_is_given_up_after_its_last_attempt(settings):
    down = bound_socket()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", down.getsockname()[1]
    try:
        send_mail("Doomed", "Nobody listens.", None, ["hank@example.com"])
        pk = OutboundMail.objects.get().pk

        assert deliver.apply(args=[pk]).get() == "retry"
        assert deliver.apply(args=[pk]).get() == "failed"
        assert sweep.apply().get() == 0
        assert deliver.apply(args=[pk]).get() == "skipped"
    finally:
        down.close()
    row = OutboundMail.objects.get()
    assert row.attempts == 2 and row.sent_at is None and row.failed_at is not None


def test_a_mail_with_an_attachment_is_refused_before_anything_is_queued(mailbox):
    message = EmailMessage("Files", "See attached.", to=["ivy@example.com"])
    message.attach("notes.txt", "notes", "text/plain")
    with pytest.raises(ValueError, match="no attachments"):
        message.send()
    assert OutboundMail.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_mail_after_its_transaction_commits(mailbox, worker):
    with transaction.atomic():
        send_mail("After commit", "Sent by the worker.", None, ["jo@example.com"])
        assert OutboundMail.objects.count() == 1

    [received] = mailbox.wait_for(1)
    assert received["Subject"] == "After commit"
    assert received["X-Envelope-To"] == "jo@example.com"
