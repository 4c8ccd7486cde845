"""Register, obtain a token, use it, log out (revoke it), and session login in the browsable API."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from divan.models import User
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import client_for

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"


def register(client, **overrides):
    payload = {"username": "zoe", "email": "zoe@example.com", "password": "a-long-pass-phrase"}
    return client.post(REGISTER, {**payload, **overrides}, format="json")


def test_register_creates_the_user_and_returns_a_working_token():
    response = register(APIClient())

    assert response.status_code == 201
    user = User.objects.get(username="zoe")
    assert response.json() == {
        "id": user.pk,
        "username": "zoe",
        "email": "zoe@example.com",
        "reputation": 0,
        "email_verified": False,
        "two_factor": False,
        "token": Token.objects.get(user=user).key,
    }
    assert user.check_password("a-long-pass-phrase")
    me = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.status_code == 200
    assert me.json() == {"id": user.pk, "username": "zoe", "email": "zoe@example.com",
                         "reputation": 0, "email_verified": False,
                         "two_factor": False}  # fmt: skip


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 8 characters."),
        ("password", "This password is too common."),
        ("8473920174", "This password is entirely numeric."),
    ],
)
def test_register_applies_django_password_validators(password, message):
    response = register(APIClient(), password=password)

    assert response.status_code == 400
    assert message in response.json()["password"]
    assert User.objects.count() == 0


def test_register_refuses_a_taken_username_case_insensitively():
    UserFactory(username="Zoe", email="someone@example.com")

    response = register(APIClient())

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert User.objects.count() == 1


def test_register_answers_the_same_whether_or_not_the_email_has_an_account():
    """Nobody learns from registering which addresses have accounts: a taken address (in any
    case) gets the answer a free one gets."""
    UserFactory(username="someone", email="ZOE@example.com")

    taken = register(APIClient(), username="zoe")
    free = register(APIClient(), username="yan", email="yan@example.com")

    assert (taken.status_code, free.status_code) == (201, 201)
    assert set(taken.json()) == set(free.json()) == {"id", "username", "email", "reputation",
                                                     "email_verified", "two_factor",
                                                     "token"}  # fmt: skip
    assert taken.json()["email"] == "zoe@example.com"
    assert sorted(User.objects.values_list("username", "email")) == [
        ("someone", "ZOE@example.com"), ("yan", "yan@example.com"), ("zoe", "zoe@example.com"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"username", "email", "password"}),
        ({"username": "zoe", "email": "not-an-email", "password": "a-long-pass-phrase"}, {"email"}),
        ({"username": "z" * 151, "email": "z@example.com", "password": "a-long-pass-phrase"},
         {"username"}),
        ({"username": "bad name!", "email": "z@example.com", "password": "a-long-pass-phrase"},
         {"username"}),
        ({"username": ["zoe"], "email": 5, "password": None}, {"username", "email", "password"}),
    ],
)  # fmt: skip
def test_register_bad_input_gets_field_errors(payload, fields):
    response = APIClient().post(REGISTER, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert User.objects.count() == 0


def test_token_for_right_and_wrong_password():
    user = UserFactory()
    client = APIClient()

    ok = client.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})
    wrong = client.post("/api/auth/token/", {"username": user.username, "password": "nope"})

    assert ok.status_code == 200
    assert ok.json() == {"token": Token.objects.get(user=user).key}
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_logout_revokes_the_token():
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/auth/me/").status_code == 200

    response = client.post("/api/auth/logout/")

    assert response.status_code == 204
    assert Token.objects.filter(user=user).count() == 0
    assert client.get("/api/auth/me/").status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/auth/me/"), ("post", "/api/auth/logout/")],
)
def test_anonymous_gets_401_with_authenticate_header(method, path):
    response = getattr(APIClient(), method)(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_invalid_token_gets_401():
    response = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_session_login_works_in_the_browsable_api(client):
    user = UserFactory()
    login_page = client.get("/api-auth/login/")
    assert login_page.status_code == 200

    credentials = {"username": user.username, "password": PASSWORD, "next": "/api/auth/me/"}
    response = client.post("/api-auth/login/", credentials)

    assert response.status_code == 302
    me = client.get("/api/auth/me/", HTTP_ACCEPT="text/html")
    assert me.status_code == 200
    assert user.username in me.content.decode()
    assert client.get("/api/auth/me/", HTTP_ACCEPT="application/json").json()["id"] == user.pk
