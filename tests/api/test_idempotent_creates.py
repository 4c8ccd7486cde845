"""Idempotency-Key on the API's creates (groups, joins, bans, invitations), over the real
PostgreSQL and Redis. Posts, comments, reactions and reports have theirs beside their tests."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import override_settings
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from communities.models import (
    Ban,
    Group,
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    ModerationLogEntry,
    Visibility,
)
from divan.idempotency import (
    DONE,
    IN_FLIGHT,
    MAX_KEY_LENGTH,
    idempotency_claim,
    idempotency_release,
    idempotency_state,
    idempotent,
    record_key,
    request_fingerprint,
)
from divan.redis import get_redis, redis_key
from tests.factories import UserFactory
from tests.fixtures import client_for, make_group

GROUPS = "/api/communities/v1/groups/"
NIGHT_OWLS = {"name": "Night Owls", "visibility": "private"}
DEADLINE_SECONDS = 10


def join_url(group) -> str:
    return f"{GROUPS}{group.pk}/join/"


def post(client, url, data=None, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, data, format="json", headers=headers)


def idempotency_records() -> list[str]:
    return list(get_redis().scan_iter(match=redis_key("idempotency", "*")))


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def client(owner):
    return client_for(owner)


# --- replay --------------------------------------------------------------------------------


def test_repeated_create_replays_the_first_answer_and_creates_one_group(owner, client):
    first = post(client, GROUPS, NIGHT_OWLS, key="create-1")
    second = post(client, GROUPS, NIGHT_OWLS, key="create-1")

    assert first.status_code == status.HTTP_201_CREATED
    assert second.status_code == status.HTTP_201_CREATED
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Group.objects.count() == 1
    group = Group.objects.get()
    assert first.json()["id"] == group.pk
    assert (group.name, group.slug, group.created_by) == ("Night Owls", "night-owls", owner)
    assert Membership.objects.filter(group=group).count() == 1
    assert idempotency_state(user_id=owner.pk, key="create-1") == DONE


def test_repeated_join_of_a_private_group_replays_and_asks_once(owner):
    group = make_group(owner=owner, visibility=Visibility.PRIVATE)
    asker = UserFactory(username="asker")
    client = client_for(asker)

    first = post(client, join_url(group), key="join-1")
    second = post(client, join_url(group), key="join-1")

    assert first.status_code == status.HTTP_202_ACCEPTED
    assert second.status_code == status.HTTP_202_ACCEPTED
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert JoinRequest.objects.filter(group=group, user=asker).count() == 1
    assert JoinRequest.objects.get(group=group, user=asker).status == JoinRequestStatus.PENDING
    assert not Membership.objects.filter(group=group, user=asker).exists()


def test_repeated_join_of_a_public_group_replays_201_and_joins_once(owner):
    group = make_group(owner=owner, visibility=Visibility.PUBLIC)
    joiner = UserFactory(username="joiner")
    client = client_for(joiner)

    first = post(client, join_url(group), key="join-1")
    second = post(client, join_url(group), key="join-1")
    without_key = post(client, join_url(group))

    assert first.status_code == second.status_code == status.HTTP_201_CREATED
    assert second.content == first.content
    # Without the key the endpoint answers the current state, as before: already a member.
    assert without_key.status_code == status.HTTP_200_OK
    assert Membership.objects.filter(group=group, user=joiner).count() == 1
    group.refresh_from_db()
    assert group.member_count == 2


# --- mismatch, malformed keys, anonymous callers -------------------------------------------


def test_same_key_with_another_body_is_422_and_creates_nothing(owner, client):
    post(client, GROUPS, NIGHT_OWLS, key="create-1")

    response = post(client, GROUPS, {**NIGHT_OWLS, "name": "Early Birds"}, key="create-1")

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_ENTITY
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request."
    }
    assert "Idempotent-Replayed" not in response
    assert list(Group.objects.values_list("name", flat=True)) == ["Night Owls"]


def test_same_key_on_another_endpoint_is_422_and_joins_nothing(owner, client):
    other = make_group(owner=UserFactory(username="other"), visibility=Visibility.PUBLIC)
    post(client, GROUPS, NIGHT_OWLS, key="create-1")

    response = post(client, join_url(other), key="create-1")

    assert response.status_code == status.HTTP_422_UNPROCESSABLE_ENTITY
    assert not Membership.objects.filter(group=other, user=owner).exists()


@pytest.mark.parametrize(
    "key",
    ["x" * (MAX_KEY_LENGTH + 1), "", "   ", "caf\u00e9", "line\tbreak"],
    ids=["256-chars", "empty", "blank", "non-ascii", "control-char"],
)
def test_malformed_key_is_400_and_creates_nothing(owner, client, key):
    response = post(client, GROUPS, NIGHT_OWLS, key=key)

    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.json() == {
        "detail": "The Idempotency-Key header must be 1 to 255 printable ASCII characters."
    }
    assert Group.objects.count() == 0
    assert idempotency_records() == []


def test_key_of_255_chars_is_accepted(owner, client):
    response = post(client, GROUPS, NIGHT_OWLS, key="x" * MAX_KEY_LENGTH)

    assert response.status_code == status.HTTP_201_CREATED
    assert Group.objects.count() == 1


def test_anonymous_request_with_a_key_is_refused_as_before_and_stores_nothing(db):
    response = post(client_for(None), GROUPS, NIGHT_OWLS, key="create-1")

    assert response.status_code == status.HTTP_401_UNAUTHORIZED
    assert Group.objects.count() == 0
    assert idempotency_records() == []


def test_request_without_the_key_behaves_as_before(owner, client):
    first = post(client, GROUPS, NIGHT_OWLS)
    second = post(client, GROUPS, NIGHT_OWLS)

    assert first.status_code == second.status_code == status.HTTP_201_CREATED
    assert "Idempotent-Replayed" not in second
    assert sorted(Group.objects.values_list("slug", flat=True)) == ["night-owls", "night-owls-2"]
    assert idempotency_records() == []


# --- keys are per user ---------------------------------------------------------------------


def test_another_user_with_the_same_key_creates_their_own(owner, client):
    other = UserFactory(username="other")
    first = post(client, GROUPS, NIGHT_OWLS, key="shared-key")

    second = post(client_for(other), GROUPS, NIGHT_OWLS, key="shared-key")

    assert second.status_code == status.HTTP_201_CREATED
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert Group.objects.filter(created_by=owner).count() == 1
    assert Group.objects.filter(created_by=other).count() == 1
    assert Group.objects.count() == 2


# --- in flight -----------------------------------------------------------------------------


def test_repeat_while_the_first_is_in_flight_is_409_and_creates_nothing(owner, client):
    fingerprint = request_fingerprint(method="POST", path=GROUPS, data=NIGHT_OWLS)
    claim = idempotency_claim(user_id=owner.pk, key="create-1", fingerprint=fingerprint)

    response = post(client, GROUPS, NIGHT_OWLS, key="create-1")

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.json() == {
        "detail": "A request with this Idempotency-Key is still being processed; "
        "retry once it has finished."
    }
    assert Group.objects.count() == 0
    assert idempotency_state(user_id=owner.pk, key="create-1") == IN_FLIGHT

    idempotency_release(claim=claim)  # the first request failed: the key is free again
    assert post(client, GROUPS, NIGHT_OWLS, key="create-1").status_code == 201
    assert Group.objects.count() == 1


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeat_is_409_while_the_first_runs_then_replays_it():
    owner = UserFactory(username="owner")
    body = {**NIGHT_OWLS, "slug": "night-owls"}
    slug_held, release_slug = threading.Event(), threading.Event()
    first: dict = {}

    def hold_the_slug():
        # An uncommitted row with the same slug: the first request's insert waits on it.
        try:
            with transaction.atomic():
                Group.objects.create(name="Placeholder", slug="night-owls")
                slug_held.set()
                release_slug.wait(DEADLINE_SECONDS)
                transaction.set_rollback(True)
        finally:
            connection.close()

    def first_request():
        try:
            first["response"] = post(client_for(owner), GROUPS, body, key="create-1")
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_slug)
    holder.start()
    assert slug_held.wait(DEADLINE_SECONDS)
    runner = threading.Thread(target=first_request)
    runner.start()
    try:
        _wait_for(
            lambda: idempotency_state(user_id=owner.pk, key="create-1") == IN_FLIGHT,
            "the first request to claim its key",
        )
        repeat = post(client_for(owner), GROUPS, body, key="create-1")
        assert repeat.status_code == status.HTTP_409_CONFLICT
        assert Group.objects.count() == 0
    finally:
        release_slug.set()
        holder.join(DEADLINE_SECONDS)
        runner.join(DEADLINE_SECONDS)

    assert first["response"].status_code == status.HTTP_201_CREATED
    replay = post(client_for(owner), GROUPS, body, key="create-1")
    assert replay.status_code == status.HTTP_201_CREATED
    assert replay.content == first["response"].content
    assert list(Group.objects.values_list("slug", flat=True)) == ["night-owls"]


# --- lifetime ------------------------------------------------------------------------------


def test_stored_answer_expires_after_the_configured_ttl(owner, client):
    post(client, GROUPS, NIGHT_OWLS, key="create-1")

    ttl = get_redis().ttl(record_key(user_id=owner.pk, key="create-1"))

    assert 0 < ttl <= 86400


@override_settings(IDEMPOTENCY_KEY_TTL_SECONDS=120)
def test_stored_answer_honours_a_changed_ttl(owner, client):
    post(client, GROUPS, NIGHT_OWLS, key="create-1")

    ttl = get_redis().ttl(record_key(user_id=owner.pk, key="create-1"))

    assert 0 < ttl <= 120


# --- failures ------------------------------------------------------------------------------


def test_validation_error_is_stored_and_replayed_like_any_answer_below_500(owner, client):
    invalid = {"name": "", "visibility": "private"}
    first = post(client, GROUPS, invalid, key="create-1")
    second = post(client, GROUPS, invalid, key="create-1")

    assert first.status_code == second.status_code == status.HTTP_400_BAD_REQUEST
    assert first.json() == {"name": ["This field may not be blank."]}
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    # A corrected body is a different request: it needs a key of its own.
    assert post(client, GROUPS, NIGHT_OWLS, key="create-1").status_code == 422
    assert Group.objects.count() == 0
    assert post(client, GROUPS, NIGHT_OWLS, key="create-2").status_code == 201
    assert Group.objects.count() == 1


def test_domain_refusal_is_stored_and_replayed(public_world):
    banned = public_world.client("banned")
    url = join_url(public_world.group)

    first = post(banned, url, key="join-1")
    second = post(banned, url, key="join-1")

    assert first.status_code == second.status_code == status.HTTP_403_FORBIDDEN
    assert first.json() == {"detail": "You are banned from this group."}
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert not Membership.objects.filter(
        group=public_world.group, user=public_world.user("banned")
    ).exists()
    assert public_world.refresh().member_count == 4


class FlakyCreateView(APIView):
    """A view under the real decorator whose first run fails: with an exception or a 503."""

    permission_classes = [IsAuthenticated]
    failure = "raise"
    runs = 0

    @classmethod
    def reset(cls, failure: str) -> None:
        cls.failure, cls.runs = failure, 0

    @idempotent
    def post(self, request):
        type(self).runs += 1
        if type(self).runs == 1 and self.failure == "raise":
            raise RuntimeError("the database went away")
        if type(self).runs == 1:
            return Response({"detail": "Try again."}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"run": type(self).runs}, status=status.HTTP_201_CREATED)


def _flaky_request(user):
    request = APIRequestFactory().post(
        "/flaky/", {"a": 1}, format="json", headers={"Idempotency-Key": "flaky-1"}
    )
    force_authenticate(request, user=user)
    return FlakyCreateView.as_view()(request)


@pytest.mark.parametrize("failure", ["raise", "503"])
def test_a_failed_run_releases_the_key_so_a_retry_runs_again(owner, failure):
    FlakyCreateView.reset(failure)

    if failure == "raise":
        with pytest.raises(RuntimeError):
            _flaky_request(owner)
    else:
        assert _flaky_request(owner).status_code == 503
    assert idempotency_state(user_id=owner.pk, key="flaky-1") is None

    retry = _flaky_request(owner)
    replay = _flaky_request(owner)

    assert retry.status_code == replay.status_code == 201
    assert retry.data == {"run": 2}
    assert replay.content == retry.content
    assert replay["Idempotent-Replayed"] == "true"
    assert FlakyCreateView.runs == 2


# --- schema --------------------------------------------------------------------------------


def test_schema_documents_the_header_on_idempotent_operations_only(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]

    def headers(path: str) -> list[str]:
        parameters = paths[path]["post"].get("parameters", [])
        return [p["name"] for p in parameters if p["in"] == "header"]

    assert headers("/api/communities/v1/groups/") == ["Idempotency-Key"]
    assert headers("/api/communities/v1/groups/{id}/join/") == ["Idempotency-Key"]
    assert headers("/api/communities/v1/groups/{id}/leave/") == []


def test_repeated_ban_replays_and_bans_once(private_world):
    client = private_world.client("moderator")
    url = f"{GROUPS}{private_world.group.pk}/bans/"
    body = {"user": private_world.user("member").pk, "reason": "spam"}

    first = post(client, url, body, key="ban-1")
    again = post(client, url, body, key="ban-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Ban.objects.filter(group=private_world.group).count() == 2  # the world's and this one
    assert ModerationLogEntry.objects.filter(action="ban_user", reason="spam").count() == 2


def test_repeated_invitation_replays_and_invites_once(private_world):
    client = private_world.client("moderator")
    url = f"{GROUPS}{private_world.group.pk}/invitations/"
    invitee = UserFactory(username="invitee")
    before = Invitation.objects.count()

    first = post(client, url, {"user": invitee.pk}, key="invite-1")
    again = post(client, url, {"user": invitee.pk}, key="invite-1")

    assert (first.status_code, again.status_code) == (201, 201)  # not 200: the first is replayed
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Invitation.objects.count() == before + 1
