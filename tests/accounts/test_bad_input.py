"""Bad input to the account endpoints, Divan's and allauth's headless ones the hub uses, is a
4xx and never a 500, and makes no one."""

import pytest

from divan.models import User
from tests.accounts.helpers import HEADLESS, PASSWORD, SESSION, Browser, make_user

pytestmark = pytest.mark.django_db

HEADLESS_POSTS = [
    "auth/signup",
    "auth/login",
    "auth/email/verify",
    "auth/password/request",
    "auth/password/reset",
    "auth/reauthenticate",
    "auth/2fa/authenticate",
    "account/email",
    "account/password/change",
    "account/authenticators/totp",
]
BODIES = [
    "{not json",
    "[1, 2]",
    '"a string"',
    '{"username": ["zoe"], "email": 5, "password": null, "key": {}, "code": [1]}',
    '{"username": "' + "z" * 5000 + '", "email": "' + "e" * 5000 + '@x.io", "password": "p"}',
    '{"email": "not-an-email", "key": "\\u0000", "code": "\\u0000"}',
]


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", HEADLESS_POSTS)
def test_the_headless_api_answers_bad_bodies_with_a_4xx(path, signed_in):
    make_user("zoe")
    browser = Browser()
    if signed_in:
        assert browser.post(SESSION, {"username": "zoe", "password": PASSWORD}).status_code == 200
    for body in BODIES:
        response = browser.client.post(
            f"{HEADLESS}/{path}", body, content_type="application/json",
            headers={"X-CSRFToken": browser.csrf()},
        )  # fmt: skip
        assert 400 <= response.status_code < 500, (body, response.status_code, response.content)
    assert list(User.objects.values_list("username", flat=True)) == ["zoe"]


@pytest.mark.parametrize("path", ["/api/auth/token/", SESSION])
@pytest.mark.parametrize(
    ("code", "message"),
    [
        (["123456"], "Not a valid string."),
        ({"a": 1}, "Not a valid string."),
        ("1" * 65, "Ensure this field has no more than 64 characters."),
    ],
)
def test_a_code_of_the_wrong_shape_is_a_400_on_code(path, code, message):
    make_user("zoe")
    browser = Browser()

    response = browser.post(path, {"username": "zoe", "password": PASSWORD, "code": code})

    assert (response.status_code, response.json()) == (400, {"code": [message]})
    assert browser.user_id() is None
