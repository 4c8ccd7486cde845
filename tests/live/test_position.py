"""Where a person's stream stands (`live/position/`), read with a page on the server: a stream
opened from it gets what was published between the page's reading and the stream."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from live import channels
from tests.factories import UserFactory
from tests.fixtures import client_for

pytestmark = [pytest.mark.django_db(transaction=True)]

POSITION = "/api/communities/v1/live/position/"


def test_only_a_signed_in_person_has_a_position_and_it_is_their_own():
    alice, bob = UserFactory(), UserFactory()
    channels.publish([bob.pk], channels.FEED, {"n": 1})

    assert APIClient().get(POSITION).status_code == 401
    alices = client_for(alice).get(POSITION).json()["last_event_id"]
    begun = channels.get_redis().xrange(channels.buffer_key(alice.pk))
    assert [(entry_id, fields["kind"]) for entry_id, fields in begun] == [(alices, "begin")]
    assert channels.present([alice.pk, bob.pk]) == {alice.pk}  # what comes next is kept
    bobs = client_for(bob).get(POSITION).json()["last_event_id"]
    assert bobs == channels.get_redis().xrevrange(channels.buffer_key(bob.pk), count=1)[0][0]


def test_a_stream_opened_from_the_position_gets_what_was_published_meanwhile(connect):
    user = UserFactory()
    channels.publish([user.pk], channels.FEED, {"n": 1})  # before the page was read
    position = client_for(user).get(POSITION).json()["last_event_id"]
    channels.publish([user.pk], channels.FEED, {"n": 2})  # between the page and its stream

    stream = connect(token=Token.objects.get(user=user).key, query_last_id=position)

    assert stream.wait_for(1)[0].data == {"resumed": True}
    assert [m.data for m in stream.wait_for(1, channels.FEED)] == [{"n": 2}]


def test_from_no_buffer_at_all_a_stream_gets_what_came_after_the_page(connect):
    user = UserFactory()
    position = client_for(user).get(POSITION).json()["last_event_id"]
    channels.publish([user.pk], channels.FEED, {"n": 1})

    stream = connect(token=Token.objects.get(user=user).key, query_last_id=position)

    assert [m.data for m in stream.wait_for(1, channels.FEED)] == [{"n": 1}]
