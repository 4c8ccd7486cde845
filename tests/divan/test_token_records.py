"""A known API token costs no SQL and one Redis round trip with its throttles; a revoked token,
a changed password, a deactivated user and a signed-out session are refused at once by every
process (divan.authentication)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from divan import authentication
from divan.authentication import TOMBSTONE, token_records_forget
from divan.redis import get_redis
from divan.services.users import token_issue, token_revoke
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"
GROUPS = "/api/communities/v1/groups/"


def _record(token_key: str):
    return get_redis().get(authentication._record_key(token_key))


@pytest.fixture
def redis_calls(monkeypatch):
    """The commands sent to Redis by the process's client (a pipeline's count as one)."""
    client = get_redis()
    calls = []
    original = client.execute_command

    def counted(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    return calls


def test_a_known_token_costs_no_sql_and_one_redis_round_trip_with_its_throttles(redis_calls):
    user = UserFactory()
    client = client_for(user)
    assert client.get(GROUPS).status_code == 200  # a miss: PostgreSQL, then the record
    assert _record(Token.objects.get(user=user).key).startswith(f"{user.pk}\n")
    redis_calls.clear()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert response.json()["email"] == user.email
    # the one query is me/'s own flags: no token, no user
    assert len(queries) == 1, [query["sql"] for query in queries]
    assert "authtoken_token" not in queries[0]["sql"]
    assert redis_calls == ["EVALSHA"]  # the record and the user's throttle window, together


def test_the_throttles_count_a_known_token_once(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "3/day",
        },
    }
    client = client_for(UserFactory())

    assert [client.get(ME).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_authentication_alone_reads_nothing_from_postgresql_for_a_known_token():
    key = token_issue(user=UserFactory()).key
    client_for_key = APIClient()
    client_for_key.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client_for_key.get(ME).status_code == 200
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {key}")

    with CaptureQueriesContext(connection) as queries:
        user, token = authentication.CachedTokenAuthentication().authenticate(Request(request))

    assert len(queries) == 0
    assert token.key == key and token.user_id == user.pk and user.is_active
    assert user.get_deferred_fields() >= {"password", "reputation", "last_login"}


@pytest.mark.parametrize(
    ("revoke", "detail"),
    [
        ("sign-out", "Invalid token."),
        ("password", "Invalid token."),
        ("deactivated", "User inactive or deleted."),
        ("admin", "Invalid token."),
        ("queryset delete", "Invalid token."),
        ("user deleted from the shell", "Invalid token."),
    ],
)
def test_every_revocation_is_refused_at_the_next_request(revoke, detail, admin_client):
    user = UserFactory()
    client = client_for(user)
    assert client.get(ME).status_code == 200
    key = Token.objects.get(user=user).key
    assert _record(key) not in (None, TOMBSTONE)

    if revoke == "sign-out":
        assert client.post("/api/auth/logout/").status_code == 204
    elif revoke == "password":
        user.set_password("another-long-pass-phrase")
        user.save()
    elif revoke == "deactivated":
        user.is_active = False
        user.save(update_fields=["is_active"])
    elif revoke == "admin":
        deleted = admin_client.post(
            f"/admin/authtoken/tokenproxy/{user.pk}/delete/", {"post": "yes"}
        )
        assert deleted.status_code == 302
    elif revoke == "queryset delete":
        Token.objects.filter(user=user).delete()
    else:
        user.delete()

    assert _record(key) == TOMBSTONE
    answer = client.get(ME)
    assert answer.status_code == 401
    assert answer.json()["detail"] == detail


def test_a_record_of_an_inactive_user_is_not_trusted():
    user = UserFactory(is_active=False)
    key = token_issue(user=user).key
    authentication.token_records_fill([Token.objects.select_related("user").get(key=key)])

    answer = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {key}")

    assert answer.status_code == 401
    assert answer.json()["detail"] == "User inactive or deleted."


def test_a_changed_username_is_read_anew():
    user = UserFactory()
    client = client_for(user)
    assert client.get(ME).json()["username"] == user.username

    user.username = "renamed"
    user.save()

    assert client.get(ME).json()["username"] == "renamed"


def test_a_fill_that_read_postgresql_before_the_revocation_cannot_bring_it_back():
    user = UserFactory()
    token = token_issue(user=user)
    key = token.key
    token_revoke(user=user)  # the tombstone, written while a fill was between its read and SET

    authentication.token_records_fill([token])

    assert _record(key) == TOMBSTONE


def test_a_tombstone_lives_as_long_as_its_setting_says(settings):
    settings.AUTH_TOKEN_TOMBSTONE_SECONDS = 60
    token_records_forget(["abc"])

    assert 0 < get_redis().ttl(authentication._record_key("abc")) <= 60


def test_with_redis_down_postgresql_answers(monkeypatch):
    import redis

    user = UserFactory()
    client = client_for(user)

    class Down:
        def __getattr__(self, name):
            def refuse(*args, **kwargs):
                raise redis.ConnectionError("down")

            return refuse

    monkeypatch.setattr(authentication, "get_redis", Down)

    assert client.get(ME).status_code == 200
    token_revoke(user=user)
    assert client.get(ME).status_code == 401


def test_a_token_signed_in_for_is_read_from_redis_after_its_first_request():
    user = UserFactory()
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    key = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert [client.get(ME).status_code for _ in range(2)] == [200, 200]
    assert _record(key).startswith(f"{user.pk}\n")
