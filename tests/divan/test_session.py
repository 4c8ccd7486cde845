"""The hub's sign-in: a session in an HttpOnly, SameSite cookie, with CSRF protection on the
sign-in itself and on every write of the session; no credential a script could read."""

import pytest
from rest_framework.test import APIClient

from communities.models import Group
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SESSION = "/api/auth/session/"
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
        "id": user.pk, "username": user.username, "email": user.email, "reputation": 0
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
