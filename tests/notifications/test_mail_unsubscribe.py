"""notifications/unsubscribe/: GET says what a token stops and changes nothing; POST (RFC 8058
one-click, no sign-in, no CSRF token) stops it, once and for good; anything but a token we
signed is a 400 that changes nothing; each caller address is throttled."""

import pytest
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import MailSettings, Notification, TypeSetting
from notifications.types import TYPES, Delivery, NotificationType
from notifications.unsubscribe import DIGEST, SALT, unsubscribe_token
from tests.fixtures import client_for, make_group
from tests.notifications.mail_helpers import make_user, notify

pytestmark = pytest.mark.django_db

URL = "/api/communities/v1/notifications/unsubscribe/"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"
T = NotificationType
MAIL_BY_DEFAULT = sorted(str(k) for k, spec in TYPES.items() if spec.default == Delivery.MAIL)


def settings_state() -> tuple:
    return (
        sorted(TypeSetting.objects.values_list("user_id", "type", "delivery")),
        sorted(MailSettings.objects.values_list("user_id", "digest", "digest_sent_at")),
        sorted(Notification.objects.values_list("pk", "mail_due_at", "mailed_at")),
    )


def one_click(token: str, client=None):
    return (client or APIClient()).post(f"{URL}?token={token}", ONE_CLICK, content_type=FORM)


@pytest.fixture
def bob():
    return make_user("bob")


def test_get_says_what_the_link_stops_and_changes_nothing(bob):
    notify(bob, T.MENTION, group=make_group(owner=bob))
    before = settings_state()

    for kind, label in (
        ("mention", "Mentions of you"),
        (DIGEST, "The digest of unread notifications"),
        (None, "All notification mail"),
    ):
        response = APIClient().get(URL, {"token": unsubscribe_token(user_id=bob.pk, kind=kind)})
        assert response.status_code == 200
        assert response.json() == {"type": kind, "label": label, "email": "b***@example.com"}
    assert settings_state() == before


def test_one_type_stops_that_types_mail_and_its_waiting_rows(bob):
    group = make_group(owner=bob)
    waiting = notify(bob, T.MENTION, group=group)
    other = notify(bob, T.POST_REPLY, group=group)

    response = one_click(unsubscribe_token(user_id=bob.pk, kind="mention"))

    assert (response.status_code, response.json()) == (
        200,
        {"unsubscribed": True, "type": "mention"},
    )
    assert list(TypeSetting.objects.values_list("user_id", "type", "delivery")) == [
        (bob.pk, "mention", "hub")
    ]
    assert Notification.objects.get(pk=waiting.pk).mail_due_at is None
    assert Notification.objects.get(pk=other.pk).mail_due_at is not None
    assert not MailSettings.objects.exists()  # the digest stays as it was


def test_a_type_by_mail_only_by_choice_goes_back_to_its_default(bob):
    TypeSetting.objects.create(user=bob, type=T.REACTION, delivery=Delivery.MAIL)

    assert one_click(unsubscribe_token(user_id=bob.pk, kind="reaction")).status_code == 200
    assert not TypeSetting.objects.exists()  # the hub is the default: no row


def test_a_type_already_off_stays_off(bob):
    TypeSetting.objects.create(user=bob, type=T.MENTION, delivery=Delivery.OFF)

    assert one_click(unsubscribe_token(user_id=bob.pk, kind="mention")).status_code == 200
    assert list(TypeSetting.objects.values_list("type", "delivery")) == [("mention", "off")]


def test_all_stops_every_types_mail_and_the_digest_and_a_second_click_changes_nothing(bob):
    TypeSetting.objects.create(user=bob, type=T.REACTION, delivery=Delivery.MAIL)
    TypeSetting.objects.create(user=bob, type=T.BANNED, delivery=Delivery.OFF)
    token = unsubscribe_token(user_id=bob.pk, kind=None)

    response = one_click(token)

    assert (response.status_code, response.json()) == (200, {"unsubscribed": True, "type": None})
    expected = sorted(
        [(bob.pk, kind, "hub") for kind in MAIL_BY_DEFAULT if kind != "banned"]
        + [(bob.pk, "banned", "off")]
    )
    assert sorted(TypeSetting.objects.values_list("user_id", "type", "delivery")) == expected
    assert list(MailSettings.objects.values_list("user_id", "digest")) == [(bob.pk, False)]

    before = settings_state()
    assert one_click(token).status_code == 200
    assert settings_state() == before


def test_the_digest_link_stops_the_digest_only(bob):
    MailSettings.objects.create(user=bob, digest=True)

    response = one_click(unsubscribe_token(user_id=bob.pk, kind=DIGEST))

    assert response.json() == {"unsubscribed": True, "type": "digest"}
    assert list(MailSettings.objects.values_list("digest", flat=True)) == [False]
    assert not TypeSetting.objects.exists()


def test_an_empty_post_unsubscribes_too(bob):
    response = APIClient().post(f"{URL}?token={unsubscribe_token(user_id=bob.pk, kind=None)}")

    assert response.status_code == 200
    assert MailSettings.objects.get(user=bob).digest is False


def _tampered(token: str) -> str:
    flipped = "A" if token[-1] != "A" else "B"
    return token[:-1] + flipped


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: _tampered(unsubscribe_token(user_id=user.pk, kind="mention")),
        # the payload changed to another user, the signature kept
        lambda user: (
            unsubscribe_token(user_id=user.pk + 1, kind=None).split(":", 1)[0]
            + ":"
            + unsubscribe_token(user_id=user.pk, kind=None).split(":", 1)[1]
        ),
        lambda user: signing.dumps({"u": user.pk, "t": None}, salt="another.use"),
        lambda user: signing.dumps({"u": user.pk, "t": "no_such_type"}, salt=SALT),
        lambda user: signing.dumps({"u": str(user.pk), "t": None}, salt=SALT),
        lambda user: signing.dumps([user.pk], salt=SALT),
        lambda user: signing.dumps({"u": 10**9, "t": None}, salt=SALT),  # no such user
        lambda user: "",
        lambda user: "not a token at all",
    ],
    ids=[
        "tampered",
        "spliced",
        "other-salt",
        "unknown-type",
        "text-id",
        "list",
        "nobody",
        "empty",
        "garbage",
    ],
)
def test_a_bad_token_is_a_400_and_changes_nothing(bob, make_token):
    notify(bob, T.MENTION, group=make_group(owner=bob))
    before = settings_state()
    token = make_token(bob)

    for response in (APIClient().get(URL, {"token": token}), one_click(token)):
        assert response.status_code == 400
        assert response.json() == {
            "token": ["This unsubscribe link is not valid: open the whole link from the mail."]
        }
    assert settings_state() == before


def test_no_token_at_all_is_a_400(bob):
    assert APIClient().get(URL).status_code == 400
    assert APIClient().post(URL).status_code == 400
    assert settings_state() == ([], [], [])


def test_no_csrf_token_is_asked_even_of_a_signed_in_browser_and_no_sign_in_counts(bob):
    """A session's CSRF check would refuse a mail client's POST: the token is the credential,
    and whoever is signed in (someone else here) changes nothing about whose mail stops."""
    carol = make_user("carol")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(carol)
    token = unsubscribe_token(user_id=bob.pk, kind="mention")

    response = browser.post(f"{URL}?token={token}", ONE_CLICK, content_type=FORM)
    assert response.status_code == 200
    assert client_for(carol).get(URL, {"token": token}).json()["email"] == "b***@example.com"
    assert list(TypeSetting.objects.values_list("user_id", "type")) == [(bob.pk, "mention")]


def test_other_methods_are_refused(bob):
    token = unsubscribe_token(user_id=bob.pk, kind=None)
    for method in ("put", "patch", "delete"):
        assert getattr(APIClient(), method)(f"{URL}?token={token}").status_code == 405
    assert settings_state() == ([], [], [])


def test_each_caller_address_is_throttled(bob, settings):
    settings.THROTTLE_UNSUBSCRIBE_RATE = "3/min"
    token = unsubscribe_token(user_id=bob.pk, kind="mention")
    here, elsewhere = APIClient(REMOTE_ADDR="198.51.100.7"), APIClient(REMOTE_ADDR="203.0.113.9")

    answers = [here.get(URL, {"token": token}).status_code for _ in range(3)]
    refused = one_click(token, here)

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not TypeSetting.objects.exists()  # the refused POST changed nothing
    assert one_click(token, elsewhere).status_code == 200
