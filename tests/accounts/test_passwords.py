"""A completed reset or a password change, by whatever path it comes (allauth's reset and
change, the admin, `manage.py changepassword`, code that calls set_password), ends every other
session of the user and deletes every API token, over HTTP: browser sessions of Divan's own
endpoint and of allauth's headless API, and allauth's app sessions."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from divan.models import User
from divan.services.users import token_issue
from tests.accounts.helpers import (
    HEADLESS,
    PASSWORD,
    SESSION,
    Browser,
    link_key,
    make_user,
    token_works,
    tokens_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP = "/api/_allauth/app/v1"
NEW_PASSWORD = "another-long-pass-phrase"


class SignedIn:
    """One user signed in every way there is: an API token, a session by Divan's endpoint, a
    session by allauth's headless sign-in (the hub's), and an app session of allauth's."""

    def __init__(self, user):
        self.user = user
        self.token = token_issue(user=user).key
        self.divan = Browser()
        response = self.divan.post(SESSION, {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.content
        self.hub = Browser()
        assert self.hub.sign_in(user.username).status_code == 200
        app = Client().post(
            f"{APP}/auth/login",
            {"username": user.username, "password": PASSWORD},
            content_type="application/json",
        )
        assert app.status_code == 200, app.content
        self.app_token = app.json()["meta"]["session_token"]
        assert self.standing() == {"token": True, "divan": True, "hub": True, "app": True}

    def app_session_works(self) -> bool:
        response = Client().get(f"{APP}/auth/session", headers={"X-Session-Token": self.app_token})
        return response.status_code == 200

    def standing(self) -> dict:
        return {
            "token": token_works(self.token),
            "divan": self.divan.user_id() == self.user.pk,
            "hub": self.hub.user_id() == self.user.pk,
            "app": self.app_session_works(),
        }


NOTHING_LEFT = {"token": False, "divan": False, "hub": False, "app": False}


def test_a_reset_by_mail_ends_every_session_and_token(mailbox):
    user = make_user("zoe")
    everywhere = SignedIn(user)
    stranger = Browser()

    asked = stranger.post(f"{HEADLESS}/auth/password/request", {"email": "zoe@example.com"})
    assert asked.status_code == 200
    mailbox.deliver()
    key = link_key(mailbox.wait_for(1)[0], "password/reset")
    done = stranger.post(f"{HEADLESS}/auth/password/reset", {"key": key, "password": NEW_PASSWORD})

    assert done.status_code == 401  # reset, and nobody signed in by it
    assert everywhere.standing() == NOTHING_LEFT
    assert tokens_of(user) == []
    # the new password signs in; the old one no longer does
    assert (
        Client().post("/api/auth/token/", {"username": "zoe", "password": PASSWORD}).status_code
        == 400
    )
    fresh = Client().post("/api/auth/token/", {"username": "zoe", "password": NEW_PASSWORD})
    assert fresh.status_code == 200 and token_works(fresh.json()["token"])
    mailbox.deliver()
    assert [(m["To"], m["Subject"]) for m in mailbox.wait_for(2)] == [
        ("zoe@example.com", "[Divan] Password Reset Email"),  # the link
        ("zoe@example.com", "[Divan] Password Reset"),  # the notice that it was used
    ]


def test_a_password_change_keeps_its_own_session_and_ends_every_other(mailbox):
    user = make_user("zoe")
    everywhere = SignedIn(user)

    changed = everywhere.hub.post(
        f"{HEADLESS}/account/password/change",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert changed.status_code == 200, changed.content
    assert everywhere.standing() == {"token": False, "divan": False, "hub": True, "app": False}
    assert tokens_of(user) == []
    mailbox.deliver()
    [notice] = mailbox.wait_for(1)
    assert (notice["To"], notice["Subject"]) == ("zoe@example.com", "[Divan] Password Changed")


def test_a_wrong_current_password_changes_nothing():
    user = make_user("zoe")
    everywhere = SignedIn(user)
    hashed = User.objects.get(pk=user.pk).password

    refused = everywhere.hub.post(
        f"{HEADLESS}/account/password/change",
        {"current_password": "not-my-password", "new_password": NEW_PASSWORD},
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "enter_current_password"
    assert User.objects.get(pk=user.pk).password == hashed
    assert everywhere.standing() == {"token": True, "divan": True, "hub": True, "app": True}


def test_the_admin_setting_a_password_ends_every_session_and_token():
    user = make_user("zoe")
    everywhere = SignedIn(user)
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = admin.post(
        f"/admin/divan/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert everywhere.standing() == NOTHING_LEFT
    assert admin.get("/admin/").status_code == 200  # the admin's own session is another user's


def test_manage_py_changepassword_ends_every_session_and_token(monkeypatch):
    user = make_user("zoe")
    everywhere = SignedIn(user)
    # the command reads the password twice from the terminal
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", "zoe")

    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert everywhere.standing() == NOTHING_LEFT


@pytest.mark.parametrize("update_fields", [None, ["password"]])
def test_set_password_and_save_anywhere_ends_every_session_and_token(update_fields):
    user = make_user("zoe")
    everywhere = SignedIn(user)

    user.set_password(NEW_PASSWORD)
    user.save(update_fields=update_fields)

    assert everywhere.standing() == NOTHING_LEFT


def test_saving_a_user_without_a_new_password_revokes_nothing():
    user = make_user("zoe")
    everywhere = SignedIn(user)

    user.first_name = "Zoe"
    user.save()
    user.set_password(NEW_PASSWORD)  # set, but not saved with this save
    user.save(update_fields=["first_name"])

    assert everywhere.standing() == {"token": True, "divan": True, "hub": True, "app": True}


def test_a_hash_upgraded_at_sign_in_keeps_every_token(settings):
    """Django rehashes a password made with an older hasher when it is next checked: the
    password is the same, and nobody is signed out."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = make_user("zoe")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    token = token_issue(user=user).key

    signed_in = Client().post("/api/auth/token/", {"username": "zoe", "password": PASSWORD})

    assert signed_in.json() == {"token": token}
    assert User.objects.get(pk=user.pk).password.startswith("md5$")  # upgraded
    assert token_works(token)
