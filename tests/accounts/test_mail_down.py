"""With the mail server down, a sign-up and a reset request answer at once (their mails wait in
the queue), and the mails go out when it is back: a real worker, a real SMTP server."""

import time

import pytest

from divan.mail import sweep
from divan.models import OutboundMail
from divan.smtp import Inbox, SMTPServer, bound_socket
from tests.accounts.helpers import HEADLESS, PASSWORD, Browser, make_user
from tests.events.processes import wait_until

DEADLINE = 20.0


@pytest.mark.django_db(transaction=True)
def test_sign_up_and_reset_answer_at_once_and_their_mails_go_out_when_the_server_is_back(
    settings, worker
):
    down = bound_socket()  # this test's port, refusing connections until the server starts
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", down.getsockname()[1]
    settings.MAIL_RETRY_BASE_SECONDS = 0  # due again at once: the sweep below sends it
    make_user("olga")

    started = time.monotonic()
    signed_up = Browser().post(
        "/api/auth/session/register/",
        {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD},
    )
    asked = Browser().post(f"{HEADLESS}/auth/password/request", {"email": "olga@example.com"})
    answered_in = time.monotonic() - started

    assert (signed_up.status_code, asked.status_code) == (201, 200)
    assert answered_in < 2.0
    # the worker tried each mail after its commit, and the server refused it
    wait_until(
        lambda: OutboundMail.objects.filter(attempts__gte=1, sent_at=None).count() == 2,
        timeout=DEADLINE,
        message="both mails tried",
    )
    assert all(
        "ConnectionRefusedError" in error
        for error in OutboundMail.objects.values_list("last_error", flat=True)
    )

    server = SMTPServer(Inbox(), sock=down)
    server.start()
    try:
        assert sweep.apply().get() == 2  # what beat does every MAIL_SWEEP_SECONDS
        mails = server.handler.wait_for(lambda m: len(m) == 2, DEADLINE)
    finally:
        server.stop()
    assert sorted((m["To"], m["Subject"]) for m in mails) == [
        ("olga@example.com", "[Divan] Password Reset Email"),
        ("zoe@example.com", "[Divan] Please Confirm Your Email Address"),
    ]
    wait_until(
        lambda: OutboundMail.objects.filter(sent_at=None).count() == 0,
        timeout=DEADLINE,
        message="both marked sent",
    )
