"""Notification rows as the consumer writes them (it is built beside the mail, so the mail tests
write rows themselves), people with a verified address, and what a received mail says."""

import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.accounts.helpers import make_user
from tests.mail import body_of

__all__ = [
    "eager_tasks",
    "make_user",
    "notify",
    "one_click_url",
    "subject_of",
    "text_of",
    "token_of",
]


def notify(
    recipient, kind, *, actor=None, group=None, post=None, comment=None, due_in: float | None = -1,
    count: int = 1, data=None, **fields,
) -> Notification:  # fmt: skip
    """A row of `kind` for `recipient`; by mail, due `due_in` seconds from now (None: the hub
    only, no mail due)."""
    event = uuid.uuid4()
    now = timezone.now()
    if post is not None and group is None:
        group = post.group
    return Notification.objects.create(
        recipient=recipient,
        type=str(kind),
        group_key=f"{kind}:{event}",
        group=group,
        post=post,
        comment=comment,
        actor=actor,
        actor_ids=[actor.pk] if actor else [],
        count=count,
        data=data or {},
        event_id=event,
        mail_due_at=None if due_in is None else now + timedelta(seconds=due_in),
        **fields,
    )


def one_click_url(message) -> str:
    """The URL of a received mail's List-Unsubscribe header (RFC 8058: one, in angle brackets)."""
    match = re.fullmatch(r"<([^>]+)>", " ".join(str(message["List-Unsubscribe"]).split()))
    assert match, message["List-Unsubscribe"]
    return match.group(1)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def subject_of(message) -> str:
    """A received mail's subject as a mail program shows it: a long or non-ASCII one is folded
    onto a continuation line, whose leading space unfolding keeps."""
    return " ".join(str(message["Subject"]).split())


def text_of(message) -> str:
    """A received mail's plain text, its lines ended as Python's are (SMTP sends CRLF)."""
    return body_of(message).replace("\r\n", "\n")


@pytest.fixture
def eager_tasks():
    """Tasks queued with .delay() run at once in this process: a chain of batches runs whole."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
