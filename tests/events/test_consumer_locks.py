"""A consumer's effects never hold row locks across events: a user's edit that runs while the
search consumer works through a batch touching the same post and comment goes through (the
services lock a post before its comments; a batch held in one transaction would lock them in
stream order, and PostgreSQL would end the user's edit with a deadlock)."""

import json
import threading
import uuid

import pytest
from django.db import connection

import communities.consumers as search_consumer
from communities.services import comments, groups, posts
from divan.events.consumers import ConsumerRun, RunReport
from tests.factories import UserFactory


def entry(stream_id: str, event_type: str, payload: dict) -> tuple[str, dict, int]:
    fields = {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "aggregate_type": event_type.split(".")[0],
        "aggregate_id": str(payload.get("comment_id") or payload["post_id"]),
        "payload": json.dumps(payload),
        "created_at": "2026-11-24T00:00:00+00:00",
    }
    return stream_id, fields, 1


@pytest.mark.django_db(transaction=True)
def test_a_users_edit_during_a_consumer_batch_goes_through(settings, monkeypatch):
    settings.EVENTS_CONSUMERS = ["search"]
    owner = UserFactory()
    group = groups.group_create(creator=owner, name="G", visibility="public")
    post = posts.post_create(author=owner, group=group, body="alpha")
    comment = comments.comment_create(author=owner, post=post, body="beta")
    indexing_post, user_done = threading.Event(), threading.Event()
    index_post = search_consumer.search_index_post

    def index_post_when_the_user_is_done(post_id: int) -> None:
        indexing_post.set()  # the comment's event is done; the user edits now
        # Hold the batch here until the user's edit has finished. Had the batch kept the
        # comment's row locked, the edit would wait on it, this would give up after 10 s, and
        # the post's lock below would close the cycle: PostgreSQL ends one with a deadlock.
        user_done.wait(timeout=10)
        index_post(post_id)

    monkeypatch.setattr(search_consumer, "search_index_post", index_post_when_the_user_is_done)
    errors = []

    def user_edits() -> None:
        try:
            indexing_post.wait(timeout=10)
            comments.comment_update(actor=owner, comment=comment, body="gamma")
        except Exception as error:  # noqa: BLE001 - the assertion below names it
            errors.append(repr(error))
        finally:
            user_done.set()
            connection.close()

    user = threading.Thread(target=user_edits)
    user.start()
    report = RunReport()
    ConsumerRun("search")._handle(
        [
            entry("1-1", "comment.edited", {"comment_id": comment.pk, "post_id": post.pk}),
            entry("1-2", "post.edited", {"post_id": post.pk}),
        ],
        report,
    )
    user.join(timeout=30)

    assert errors == []
    assert (report.applied, report.failed) == (2, 0)
    comment.refresh_from_db()
    assert comment.body == "gamma"
