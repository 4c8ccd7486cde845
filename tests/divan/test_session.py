"""The hub's sign-in: a session in an HttpOnly, SameSite cookie, with CSRF protection on the
sign-in itself and on every write of the session; no credential a script could read."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from communities.models import Group
from divan.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SESSION = "/api/auth/session/"
SESSION_REGISTER = "/api/auth/session/register/"
# The hub's origin, pinned as the one trusted origin: make run's HUB_URL follows HUB_PORT.
HUB_ORIGIN = "http://hub.example:3000"
PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def browser():
    return APIClient(enforce_csrf_checks=True)


def csrf(browser) -> str:
    return browser.get(SESSION).json()["csrf_token"]


def sign_in(browser, user) -> dict:
    token = csrf(browser)
    response = browser.post(
        SESSION, {"username": user.username, "password": PASSWORD}, format="json",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


def test_signing_in_sets_an_httponly_samesite_session_and_nothing_else_to_read():
    user = UserFactory(password=PASSWORD)
    browser = APIClient(enforce_csrf_checks=True)

    anonymous = browser.get(SESSION).json()
    body = sign_in(browser, user)

    assert anonymous["user"] is None and anonymous["csrf_token"]
    assert body["user"] == {
        "id": user.pk, "username": user.username, "email": user.email, "reputation": 0,
        "email_verified": False, "two_factor": False,
    }  # fmt: skip
    session = browser.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert "token" not in body  # no credential in a body a script reads
    assert browser.get("/api/auth/me/").json()["username"] == user.username


def test_a_sign_in_without_its_csrf_token_or_with_a_wrong_password_changes_nothing(browser):
    user = UserFactory(password=PASSWORD)
    csrf(browser)

    forged = browser.post(SESSION, {"username": user.username, "password": PASSWORD}, format="json")
    wrong = browser.post(
        SESSION, {"username": user.username, "password": "nope"}, format="json",
        HTTP_X_CSRFTOKEN=csrf(browser),
    )  # fmt: skip

    assert forged.status_code == 403
    assert forged.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert wrong.status_code == 400 and list(wrong.json()) == ["non_field_errors"]
    assert "sessionid" not in browser.cookies
    assert browser.get(SESSION).json()["user"] is None


def test_every_write_of_a_session_needs_its_csrf_token(browser):
    body = sign_in(browser, UserFactory(password=PASSWORD))
    group = {"name": "Night Owls", "visibility": "public"}

    without = browser.post("/api/communities/v1/groups/", group, format="json")
    assert without.status_code == 403
    assert Group.objects.count() == 0
    created = browser.post(
        "/api/communities/v1/groups/", group, format="json", HTTP_X_CSRFTOKEN=body["csrf_token"]
    )
    assert created.status_code == 201
    assert Group.objects.count() == 1


def test_signing_out_ends_the_session(browser):
    body = sign_in(browser, UserFactory(password=PASSWORD))

    assert browser.delete(SESSION).status_code == 403  # a forged sign-out is refused too
    assert browser.delete(SESSION, HTTP_X_CSRFTOKEN=body["csrf_token"]).status_code == 204

    assert browser.get(SESSION).json()["user"] is None
    assert browser.get("/api/auth/me/").status_code == 401


def register(browser, token: str | None, **overrides):
    payload = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    headers = {} if token is None else {"HTTP_X_CSRFTOKEN": token}
    return browser.post(SESSION_REGISTER, {**payload, **overrides}, format="json", **headers)


def test_registering_in_a_session_signs_the_new_user_in_without_an_api_token(browser):
    sent = csrf(browser)

    response = register(browser, sent)

    assert response.status_code == 201, response.content
    user = User.objects.get()
    body = response.json()
    assert body == {
        "user": {
            "id": user.pk,
            "username": "zoe",
            "email": "zoe@example.com",
            "reputation": 0,
            "email_verified": False,
            "two_factor": False,
        },
        "csrf_token": body["csrf_token"],
    }
    assert user.check_password(PASSWORD)
    assert Token.objects.count() == 0  # no credential a script could read
    session = browser.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert browser.get(SESSION).json()["user"] == body["user"]
    assert browser.get("/api/auth/me/").json()["username"] == "zoe"
    # signing in rotated the CSRF token: the new one is the one that works from now on
    assert body["csrf_token"] != sent
    assert browser.delete(SESSION, HTTP_X_CSRFTOKEN=body["csrf_token"]).status_code == 204
    assert browser.get(SESSION).json()["user"] is None


def test_a_session_registration_without_its_csrf_token_creates_no_one(browser):
    csrf(browser)

    response = register(browser, None)

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert User.objects.count() == 0
    assert "sessionid" not in browser.cookies


def test_a_session_registration_with_a_taken_username_changes_nothing(browser):
    UserFactory(username="Zoe", email="someone@example.com")

    response = register(browser, csrf(browser))

    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}
    assert User.objects.count() == 1
    assert Token.objects.count() == 0
    assert "sessionid" not in browser.cookies
    assert browser.get(SESSION).json()["user"] is None


def test_a_session_registration_with_a_bad_email_changes_nothing(browser):
    response = register(browser, csrf(browser), email="not-an-email")

    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."]}
    assert User.objects.count() == 0
    assert browser.get(SESSION).json()["user"] is None


def test_the_schema_describes_the_session_registration():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    post = schema.json()["paths"][SESSION_REGISTER]["post"]

    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterRequest"
    }
    assert list(post["responses"]) == ["201", "202", "403"]  # 403: REGISTRATION_MODE's
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Session"
    }
    # nobody signed in yet: waiting for approval, or for the link (verification mandatory)
    assert post["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignupPending"
    }


def test_a_sign_in_from_the_hubs_origin_is_trusted_and_from_another_site_refused(browser, settings):
    settings.CSRF_TRUSTED_ORIGINS = [HUB_ORIGIN]  # as HUB_URL is by default, whatever the env says
    user = UserFactory(password=PASSWORD)
    credentials = {"username": user.username, "password": PASSWORD}

    evil = browser.post(
        SESSION, credentials, format="json",
        HTTP_X_CSRFTOKEN=csrf(browser), HTTP_ORIGIN="http://evil.example",
    )  # fmt: skip

    assert evil.status_code == 403
    assert evil.json() == {
        "detail": "CSRF Failed: Origin checking failed - http://evil.example does not match "
        "any trusted origins."
    }
    assert "sessionid" not in browser.cookies
    assert browser.get(SESSION).json()["user"] is None

    hub = browser.post(
        SESSION, credentials, format="json",
        HTTP_X_CSRFTOKEN=csrf(browser), HTTP_ORIGIN=HUB_ORIGIN,
    )  # fmt: skip

    assert hub.status_code == 200, hub.content
    assert hub.json()["user"]["id"] == user.pk
    assert browser.get(SESSION).json()["user"]["id"] == user.pk
