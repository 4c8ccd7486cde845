"""One sign-up path: Divan's two register endpoints and allauth's headless sign-up all go
through allauth's form and flow. Every sign-up mails its address (a link to the hub's
/account/verify-email/{key}); a taken address answers as a free one, and its owner is told; with
verification mandatory, nobody gets a token or a session before following the link."""

from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from rest_framework.authtoken.models import Token

from divan.models import User
from tests.accounts.helpers import (
    HEADLESS,
    PASSWORD,
    SESSION,
    Browser,
    link_key,
    make_user,
    pending_flow,
)
from tests.mail import body_of

pytestmark = pytest.mark.django_db

CONFIRM = "[Divan] Please Confirm Your Email Address"
ALREADY = "[Divan] Account Already Exists"


def sign_up(path: str, browser: Browser, username: str, email: str):
    """A sign-up by one of the three ways in, as its clients send it."""
    body = {"username": username, "email": email, "password": PASSWORD}
    if path == "token":
        return browser.client.post("/api/auth/register/", body, content_type="application/json")
    if path == "session":
        return browser.post("/api/auth/session/register/", body)
    return browser.post(f"{HEADLESS}/auth/signup", body)


PATHS = ["token", "session", "headless"]
# what each way in answers a sign-up that signs its account in (verification optional)
SIGNED_UP = {"token": 201, "session": 201, "headless": 200}


def verify(browser: Browser, key: str):
    """Follows a verification link as the hub's page does. The address is verified whether or
    not this browser is signed in: the answer is 200 when it is, 401 when it is not."""
    return browser.post(f"{HEADLESS}/auth/email/verify", {"key": key})


@pytest.mark.parametrize("path", PATHS)
def test_every_sign_up_mails_its_address_a_link_to_the_hub_that_verifies_it(path, mailbox):
    response = sign_up(path, Browser(), "zoe", "Zoe@Example.com")

    assert response.status_code == SIGNED_UP[path], response.content
    user = User.objects.get(username="zoe")
    assert user.email == "zoe@example.com"  # allauth keeps addresses in lower case
    assert list(EmailAddress.objects.values_list("user", "email", "verified", "primary")) == [
        (user.pk, "zoe@example.com", False, True)
    ]
    assert mailbox.deliver() == 1
    [mail] = mailbox.wait_for(1)
    assert (mail["To"], mail["Subject"]) == ("zoe@example.com", CONFIRM)
    assert "user zoe has given your email address" in body_of(mail)
    assert body_of(mail).startswith("Hello from Divan!")  # not the request's host

    verified = verify(Browser(), unquote(link_key(mail, "verify-email")))

    assert verified.status_code == 401, verified.content  # verified; this browser signed in to none
    assert pending_flow(verified) is None
    assert EmailAddress.objects.get(user=user).verified is True
    key = Token.objects.get_or_create(user=user)[0].key
    me = Client().get("/api/auth/me/", headers={"Authorization": f"Token {key}"}).json()
    assert (me["email"], me["email_verified"], me["two_factor"]) == ("zoe@example.com", True, False)


def comparable(response, *values: str) -> tuple:
    """A sign-up's answer with what differs by nature blanked out (ids, tokens, and the given
    names and addresses): its status, body and the cookies it sets, to compare two answers."""

    def blank(node):
        if isinstance(node, dict):
            return {
                key: "*" if key in ("id", "token", "csrf_token") else blank(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [blank(item) for item in node]
        if isinstance(node, str):
            for value in sorted(values, key=len, reverse=True):
                node = node.replace(value, "*")
        return node

    return response.status_code, blank(response.json()), sorted(response.cookies)


@pytest.mark.parametrize("mode", ["optional", "mandatory"])
@pytest.mark.parametrize("path", PATHS)
def test_a_taken_address_answers_as_a_free_one_and_its_owner_is_told(path, mode, mailbox, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = mode
    owner = make_user("olga", email="olga@example.com")
    before = set(User.objects.values_list("pk", flat=True))

    mallory, nadia = Browser(), Browser()

    taken = sign_up(path, mallory, "mallory", "OLGA@example.com")
    free = sign_up(path, nadia, "nadia", "nadia@example.com")

    assert comparable(taken, "mallory", "olga@example.com") == comparable(
        free, "nadia", "nadia@example.com"
    )
    if mode == "optional":
        assert taken.status_code == {"token": 201, "session": 201, "headless": 200}[path]
    else:  # nobody signed in, by any path
        assert taken.status_code == {"token": 202, "session": 202, "headless": 401}[path]
        assert (mallory.user_id(), nadia.user_id()) == (None, None)
    mailbox.deliver()
    mails = mailbox.wait_for(2)
    assert sorted((m["To"], m["Subject"]) for m in mails) == [
        ("nadia@example.com", CONFIRM),
        ("olga@example.com", ALREADY),
    ]
    [told] = mailbox.sent_to("olga@example.com")
    assert "an account using that email address already exists" in body_of(told)
    assert "verify-email" not in body_of(told)
    assert f"{settings.HUB_URL}/account/password/reset" in body_of(told)
    # the owner's address stays theirs alone
    assert EmailAddress.objects.filter(email="olga@example.com", verified=True).get().user == owner
    made = User.objects.exclude(pk__in=before)
    if mode == "mandatory":  # no account for the taken address
        assert list(made.values_list("username", flat=True)) == ["nadia"]
    else:  # an account all the same, whose copy of the address can never be verified
        assert sorted(made.values_list("username", flat=True)) == ["mallory", "nadia"]
        assert list(
            EmailAddress.objects.filter(user__username="mallory").values_list("email", "verified")
        ) == [("olga@example.com", False)]


@pytest.mark.parametrize("path", ["token", "session"])
def test_with_verification_mandatory_no_token_or_session_before_the_link(path, mailbox, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    browser = Browser()

    response = sign_up(path, browser, "zoe", "zoe@example.com")

    assert response.status_code == 202
    assert response.json() == {
        "detail": "Check your inbox: we sent a link to zoe@example.com. Follow it to confirm "
        "the address, then sign in.",
        "email": "zoe@example.com",
    }
    user = User.objects.get(username="zoe")
    assert Token.objects.count() == 0
    assert browser.user_id() is None
    # signing in is refused until the address is verified, with a token or a session
    token = Client().post("/api/auth/token/", {"username": "zoe", "password": PASSWORD})
    session = browser.post(SESSION, {"username": "zoe", "password": PASSWORD})
    for refused in (token, session):
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "Your email address is not verified yet: follow the link we sent to it, "
            "then sign in again. We have sent a new link unless we sent one in the last few "
            "minutes."
        }
    assert Token.objects.count() == 0
    assert browser.user_id() is None
    # one link: the sign-up's (a new one waits for allauth's cooldown, 3 minutes per address)
    assert mailbox.deliver() == 1
    [mail] = mailbox.wait_for(1)

    assert verify(Browser(), unquote(link_key(mail, "verify-email"))).status_code == 401
    assert EmailAddress.objects.get(user=user).verified is True

    token = Client().post("/api/auth/token/", {"username": "zoe", "password": PASSWORD})
    assert token.status_code == 200
    assert token.json() == {"token": Token.objects.get(user=user).key}
    assert browser.post(SESSION, {"username": "zoe", "password": PASSWORD}).status_code == 200
    assert browser.user_id() == user.pk


def test_the_headless_sign_up_under_mandatory_verification_waits_for_the_link(mailbox, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    browser = Browser()

    response = sign_up("headless", browser, "zoe", "zoe@example.com")

    assert response.status_code == 401
    assert pending_flow(response) == "verify_email"
    assert browser.user_id() is None
    mailbox.deliver()
    [mail] = mailbox.wait_for(1)
    verified = verify(browser, unquote(link_key(mail, "verify-email")))
    assert verified.status_code == 401  # verified; a link signs nobody in (allauth's default)
    assert EmailAddress.objects.get(email="zoe@example.com").verified is True
    signed_in = browser.sign_in("zoe")
    assert signed_in.status_code == 200, signed_in.content
    assert browser.user_id() == User.objects.get(username="zoe").pk


def test_a_verified_address_belongs_to_one_account(mailbox, settings):
    """Two accounts gave the same address before either verified it: whoever follows their
    link first has it, and the other link is refused from then on."""
    # allauth sends one link per address every 3 minutes; these sign-ups come minutes apart
    settings.ACCOUNT_EMAIL_CONFIRMATION_COOLDOWN = 0
    first, second = Browser(), Browser()
    assert sign_up("session", first, "ann", "shared@example.com").status_code == 201
    assert sign_up("session", second, "bea", "shared@example.com").status_code == 201
    # nobody had verified it: both got a link (each mail names its account)
    mailbox.deliver()
    mails = {
        m["Subject"] + body_of(m).split("because user ")[1].split()[0]: m
        for m in mailbox.wait_for(2)
    }
    ann_key = unquote(link_key(mails[CONFIRM + "ann"], "verify-email"))
    bea_key = unquote(link_key(mails[CONFIRM + "bea"], "verify-email"))

    assert verify(first, ann_key).status_code == 200
    refused = verify(second, bea_key)

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "message": "A user is already registered with this email address.",
            "code": "email_taken",
            "param": "key",
        }
    ]
    assert sorted(EmailAddress.objects.values_list("user__username", "email", "verified")) == [
        ("ann", "shared@example.com", True),
        ("bea", "shared@example.com", False),
    ]
    # and a later sign-up with it gets no link: its owner is told instead
    assert sign_up("token", Browser(), "cyd", "shared@example.com").status_code == 201
    mailbox.deliver()
    assert [m["Subject"] for m in mailbox.sent_to("shared@example.com")][2:] == [ALREADY]
