"""Search kept current by the search consumer in the events process, with a real Celery worker
at concurrency 1 dispatching: a post is found, an edit is found by its new words, and deleted or
hidden content is gone (its vector cleared), each within 2 seconds of the commit."""

import time

import pytest

from communities.models import Post
from communities.services import groups, membership, posts
from tests.events.processes import Events, Worker, wait_until
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/api/communities/v1/search/"
FRESH_SECONDS = 2.0


def found(client, q: str) -> list[int]:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return [hit["id"] for hit in response.json()["results"]]


def within_two_seconds(condition, message: str) -> float:
    """Seconds until `condition` held, failing past FRESH_SECONDS."""
    started = time.monotonic()
    wait_until(condition, timeout=FRESH_SECONDS, message=message, every=0.02)
    return time.monotonic() - started


@pytest.fixture
def worker(settings):
    settings.EVENTS_CONSUMERS = ["search"]
    env = {"EVENTS_CONSUMERS": "search", "EVENTS_CONSUMER_BLOCK_MS": "200"}
    worker, events = Worker(**env).start(), Events(**env).start()
    yield worker, events
    worker.kill()
    events.kill()


def test_a_post_its_edit_its_hiding_and_its_deletion_reach_search_within_two_seconds(worker):
    owner, moderator = UserFactory(), UserFactory()
    group = groups.group_create(creator=owner, name="Live", visibility="public")
    membership.group_join(user=moderator, group=group)
    membership.membership_change_role(
        actor=owner, group=group, user_id=moderator.pk, role="moderator"
    )
    client = client_for(owner)
    # the first post also waits for the worker to start, so it has a longer deadline
    first = client.post(
        f"/api/communities/v1/groups/{group.pk}/posts/", {"body": "warming up"}, format="json"
    )
    wait_until(lambda: found(client, "warming") == [first.json()["id"]], timeout=60,
               message="nothing indexed:\n" + "\n".join(p.log_tail() for p in worker))  # fmt: skip

    created = client.post(
        f"/api/communities/v1/groups/{group.pk}/posts/",
        {"title": "Zeppelins", "body": "airships over the bay"},
        format="json",
    )
    post_id = created.json()["id"]
    within_two_seconds(lambda: found(client, "airships") == [post_id], "not found after create")

    edited = client.patch(
        f"/api/communities/v1/posts/{post_id}/", {"body": "balloons over the bay"}, format="json"
    )
    assert edited.status_code == 200
    within_two_seconds(
        lambda: found(client, "balloons") == [post_id] and found(client, "airships") == [],
        "the edit was not searchable",
    )

    post = Post.objects.get(pk=post_id)
    posts.post_hide(actor=moderator, post=post)
    assert found(client, "balloons") == []  # the read filter: at once
    within_two_seconds(
        lambda: Post.objects.filter(pk=post_id, search_vector__isnull=True).exists(),
        "the hidden post kept its vector",
    )
    posts.post_restore(actor=moderator, post=post)
    within_two_seconds(lambda: found(client, "balloons") == [post_id], "not found after restore")

    assert client.delete(f"/api/communities/v1/posts/{post_id}/").status_code == 204
    within_two_seconds(
        lambda: Post.objects.filter(pk=post_id, search_vector__isnull=True).exists(),
        "the deleted post kept its vector",
    )
    assert found(client, "balloons") == []
