"""A real SMTP server for tests (divan.smtp on aiosmtpd, on a free port), and Django pointed at
it: the queued mail goes through `divan.mail.deliver` and SMTP, never a patched backend."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import override_settings

from divan.mail import deliver
from divan.models import OutboundMail
from divan.smtp import Inbox, SMTPServer

MAIL_TIMEOUT = 20.0


@dataclass
class Mailbox:
    inbox: Inbox
    server: SMTPServer

    @property
    def port(self) -> int:
        return self.server.port

    def deliver(self) -> int:
        """Runs the delivery task, in this process and transaction, for every queued mail: what
        the worker does after the commit (tests with a real worker wait for it instead)."""
        queued = list(
            OutboundMail.objects.filter(sent_at=None, failed_at=None).values_list("pk", flat=True)
        )
        for pk in queued:
            deliver.apply(args=[pk])
        return len(queued)

    def wait_for(self, count: int, timeout: float = MAIL_TIMEOUT):
        """The first `count` messages, once that many have arrived."""
        return self.inbox.wait_for(lambda messages: len(messages) >= count, timeout)[:count]

    def sent_to(self, address: str):
        return [m for m in self.inbox.messages if address in m["X-Envelope-To"]]


@pytest.fixture
def mailbox():
    """An SMTP server of this test's own, and EMAIL_HOST/PORT pointing at it."""
    server = SMTPServer(Inbox())
    server.start()
    try:
        with override_settings(EMAIL_HOST=server.hostname, EMAIL_PORT=server.port):
            yield Mailbox(inbox=server.handler, server=server)
    finally:
        server.stop()


def body_of(message) -> str:
    """A received mail's plain text."""
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture(autouse=True, scope="session")
def _queued_mail(django_test_environment):
    """Django's test set-up swaps in its in-memory outbox; Divan's own queue goes back in, so
    that mail goes where it goes in production (teardown_test_environment restores it)."""
    settings.EMAIL_BACKEND = "divan.mail.QueuedEmailBackend"
