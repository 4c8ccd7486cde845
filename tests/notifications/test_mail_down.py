"""The mail server down while notification mail is due: a real Celery worker composes the mails
and tries them, the server refuses; the server comes back on the same port and each mail arrives
exactly once, however often beat's runs come meanwhile."""

import socket

import pytest

from divan.mail import sweep
from divan.models import OutboundMail
from divan.smtp import Inbox, SMTPServer
from notifications.mail import mail_prompt
from notifications.models import Notification
from notifications.types import NotificationType
from tests.events.processes import wait_until
from tests.fixtures import make_group
from tests.notifications.mail_helpers import make_user, notify, subject_of, text_of

DEADLINE = 20.0
T = NotificationType


def refusing(port: int) -> socket.socket:
    """The port bound again and not listening: connections to it are refused, as to a stopped
    server, and it stays this test's until a server starts on it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@pytest.mark.django_db(transaction=True)
def test_mail_due_while_the_server_is_down_arrives_once_when_it_is_back(settings, worker):
    server = SMTPServer(Inbox())
    server.start()
    port = server.port
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.MAIL_RETRY_BASE_SECONDS = 0  # due again at once: the sweep below sends it
    olga, bob, carol = make_user("olga"), make_user("bob"), make_user("carol")
    group = make_group(owner=olga, name="Gardeners")
    server.stop()  # the mail server goes down
    down = refusing(port)

    notify(bob, T.INVITATION, actor=olga, group=group)
    notify(bob, T.JOIN_REQUEST_APPROVED, actor=olga, group=group, due_in=30)
    notify(carol, T.INVITATION, actor=olga, group=group)
    mail_prompt.delay()  # what beat sends; the worker composes, then tries each mail
    wait_until(
        lambda: OutboundMail.objects.filter(attempts__gte=1, sent_at=None).count() == 2,
        timeout=DEADLINE,
        message="both mails composed and tried",
    )
    assert all(
        "ConnectionRefusedError" in error
        for error in OutboundMail.objects.values_list("last_error", flat=True)
    )
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 0
    assert mail_prompt.apply().get() == 0  # beat's next run: nothing more to compose

    back = SMTPServer(Inbox(), sock=down)
    back.start()
    try:
        assert sweep.apply().get() == 2  # what beat does every MAIL_SWEEP_SECONDS
        mails = back.handler.wait_for(lambda m: len(m) == 2, DEADLINE)
        wait_until(
            lambda: OutboundMail.objects.filter(sent_at=None).count() == 0,
            timeout=DEADLINE,
            message="marked sent",
        )
        # whatever runs next sends nothing again
        assert mail_prompt.apply().get() == 0
        assert sweep.apply().get() == 0
    finally:
        back.stop()
    received = sorted(back.handler.messages, key=lambda m: m["To"])
    assert len(received) == 2 == len(mails)
    assert [m["To"] for m in received] == ["bob@example.com", "carol@example.com"]
    assert len({m["Message-ID"] for m in received}) == 2
    bobs = text_of(received[0])
    assert "- olga invited you to join Gardeners" in bobs
    assert "- Your request to join Gardeners was approved" in bobs
    assert subject_of(received[1]) == "[Divan] olga invited you to join Gardeners"
