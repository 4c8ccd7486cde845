"""An SMTP server that keeps what it receives: the local mail catcher (`manage.py mailcatcher`)
and the tests' mail server, on aiosmtpd. It takes any mail for anyone, so it is for a
developer's machine and for tests, never a real mail server."""

import logging
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Inbox:
    """aiosmtpd's handler: every message it accepts, parsed, in arrival order."""

    def __init__(self, on_message=None):
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()
        self._on_message = on_message

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()
        if self._on_message is not None:
            self._on_message(message, envelope.content)
        return "250 Message accepted for delivery"

    def wait_for(self, predicate, timeout: float) -> list[EmailMessage]:
        """The messages once `predicate(messages)` holds, or AssertionError after `timeout`."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.messages), timeout):
                raise AssertionError(f"within {timeout} s the mail server got {self.summary()}")
            return list(self.messages)

    def summary(self) -> list[str]:
        return [f"{m['To']}: {m['Subject']}" for m in self.messages]


class SMTPServer(Controller):
    """aiosmtpd's threaded server on a socket of ours: by default bound to a free port that the
    system picks (`port` tells which). A test can bind a socket first and start the server on
    it later: until then the port refuses connections (a mail server that is down) and stays
    this test's, so the server comes back where the senders expect it."""

    def __init__(self, handler, sock: socket.socket | None = None, host: str = "127.0.0.1"):
        if sock is None:
            sock = socket.create_server((host, 0))
        self.socket = sock
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.socket)

    def stop(self, no_assert: bool = False):
        super().stop(no_assert=no_assert)
        self.socket.close()


def bound_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket bound to a free port and not listening: connections to it are refused."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.bind((host, 0))
    return sock
