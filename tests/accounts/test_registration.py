"""REGISTRATION_MODE on every sign-up path (ours, the hub's session one, allauth's headless one
for both its clients): open, approval (staff approve in the admin; the applicant is mailed),
invite-only (staff's and groups' links: used up, expired, revoked, tampered) and closed."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import RegistrationApplication, SignupInvitation
from accounts.registration import (
    AWAITING_APPROVAL,
    INVITATION_INVALID,
    INVITATION_REQUIRED,
    SIGNUP_CLOSED,
    signup_admission,
)
from accounts.services.registration import invitation_create, signup_admit
from communities.models import Group, Membership
from communities.roles import Role
from divan.exceptions import InvalidInput
from divan.models import OutboundMail, User
from tests.accounts.helpers import ALLAUTH, sign_in_allauth, sign_in_token
from tests.factories import UserFactory
from tests.fixtures import add_member, client_for, make_group
from tests.mail import body_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"
# Each sign-up path, and what it answers an account that may sign in at once.
PATHS = {
    "register": ("/api/auth/register/", 201),
    "session-register": ("/api/auth/session/register/", 201),
    "allauth-browser": (f"{ALLAUTH}/browser/v1/auth/signup", 200),
    "allauth-app": (f"{ALLAUTH}/app/v1/auth/signup", 200),
}


def sign_up(path: str, username: str = "zoe", email: str | None = None, **fields):
    body = {"username": username, "email": email or f"{username}@example.com", "password": PASSWORD}
    return Client().post(PATHS[path][0], {**body, **fields}, content_type="application/json")


def is_allauth(path: str) -> bool:
    return path.startswith("allauth")


def field_error(path: str, response, field: str) -> list[str]:
    """A 400's messages for one field, in the path's own shape (DRF's, or allauth's errors)."""
    assert response.status_code == 400, response.content
    if is_allauth(path):
        return [e["message"] for e in response.json()["errors"] if e.get("param") == field]
    return response.json()[field]


def db_state() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", flat=True)),
        "addresses": EmailAddress.objects.count(),
        "applications": RegistrationApplication.objects.count(),
        "memberships": Membership.objects.count(),
        "invitation_uses": sorted(SignupInvitation.objects.values_list("pk", "uses")),
        "mails": OutboundMail.objects.count(),
    }


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def staff_link(staff, **fields) -> str:
    return invitation_create(actor=staff, as_site_staff=True, **fields)[1]


# --- open --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_open_lets_anyone_sign_up_and_in(settings, path):
    settings.REGISTRATION_MODE = "open"

    response = sign_up(path)

    assert response.status_code == PATHS[path][1], response.content
    user = User.objects.get(username="zoe")
    assert user.is_active
    assert not RegistrationApplication.objects.exists()
    assert sign_in_token(Client(), "zoe", PASSWORD).status_code == 200


# --- closed ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_closed_refuses_every_sign_up_with_a_403_and_makes_nothing(settings, staff, path):
    settings.REGISTRATION_MODE = "closed"
    link = staff_link(staff)
    before = db_state()

    answers = [
        sign_up(path),
        sign_up(path, invitation=link),  # an invitation opens nothing
        Client().post(PATHS[path][0], {"username": ""}, content_type="application/json"),
    ]

    detail = (
        {"status": 403, "detail": SIGNUP_CLOSED} if is_allauth(path) else {"detail": SIGNUP_CLOSED}
    )
    assert [(a.status_code, a.json()) for a in answers] == [(403, detail)] * 3
    assert db_state() == before


def test_closed_is_what_allauths_config_tells_the_hub(settings):
    settings.REGISTRATION_MODE = "closed"
    closed = Client().get(f"{ALLAUTH}/browser/v1/config").json()
    settings.REGISTRATION_MODE = "invite-only"
    by_invitation = Client().get(f"{ALLAUTH}/browser/v1/config").json()

    assert closed["data"]["account"]["is_open_for_signup"] is False
    assert by_invitation["data"]["account"]["is_open_for_signup"] is True


# --- approval ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_approval_makes_an_inactive_account_that_is_told_it_waits(settings, path):
    settings.REGISTRATION_MODE = "approval"

    response = sign_up(path)

    expected = {"detail": AWAITING_APPROVAL}
    if is_allauth(path):
        expected = {"status": 202, **expected}
    assert (response.status_code, response.json()) == (202, expected)
    user = User.objects.get(username="zoe")
    assert user.is_active is False
    application = RegistrationApplication.objects.get()
    assert (application.user, application.approved_at, application.approved_by) == (
        user,
        None,
        None,
    )
    assert not Token.objects.filter(user=user).exists()
    # it cannot sign in, whichever way
    assert sign_in_token(Client(), "zoe", PASSWORD).status_code == 400
    browser = Client()
    refused = sign_in_allauth("browser")(browser, "zoe", PASSWORD)
    assert (refused.status_code, refused.json()["meta"]["is_authenticated"]) == (401, False)
    assert "_auth_user_id" not in browser.session


def test_approval_answers_the_same_whether_the_address_has_an_account(settings):
    settings.REGISTRATION_MODE = "approval"
    owner = UserFactory(email="taken@example.com")
    EmailAddress.objects.create(user=owner, email="taken@example.com", verified=True, primary=True)

    taken = sign_up("allauth-browser", "zoe", "taken@example.com")
    free = sign_up("allauth-browser", "yann", "free@example.com")

    assert (taken.status_code, taken.json()) == (free.status_code, free.json())


def test_staff_approve_in_the_admin_and_the_applicant_is_mailed(settings, staff, mailbox):
    settings.REGISTRATION_MODE = "approval"
    assert sign_up("allauth-browser", "zoe").status_code == 202
    assert sign_up("register", "yann").status_code == 202
    UserFactory(username="walt", is_active=False)  # deactivated by staff: not an applicant
    admin = Client()
    admin.force_login(staff)

    waiting = admin.get("/admin/divan/user/?approval=awaiting")
    approve = admin.post(
        "/admin/divan/user/",
        {"action": "approve_accounts",
         "_selected_action": [User.objects.get(username=n).pk for n in ("zoe", "walt")]},
    )  # fmt: skip

    assert waiting.status_code == 200
    listed = waiting.context["cl"].result_list
    assert sorted(user.username for user in listed) == ["yann", "zoe"]
    assert approve.status_code == 302
    zoe, yann, walt = (User.objects.get(username=n) for n in ("zoe", "yann", "walt"))
    assert (zoe.is_active, yann.is_active, walt.is_active) == (True, False, False)
    application = RegistrationApplication.objects.get(user=zoe)
    assert application.approved_by == staff and application.approved_at is not None
    # the mails: zoe's verification link at sign-up (allauth's), then her approval (and yann's
    # link: every sign-up mails its address)
    mailbox.deliver()
    mailbox.wait_for(3)
    received = mailbox.sent_to("zoe@example.com")
    assert len(received) == 2 and len(mailbox.sent_to("yann@example.com")) == 1
    assert "/account/verify-email/" in body_of(received[0])
    approved = received[1]
    assert approved["Subject"] == "[Divan] Your account is approved"
    assert body_of(approved).replace("\r\n", "\n") == (
        "Hello zoe,\n\nStaff have approved your Divan account. You can sign in now:\n\n"
        f"{settings.SIGN_IN_URL}\n\nIf you did not sign up, you can ignore this mail.\n"
    )
    assert sign_in_token(Client(), "zoe", PASSWORD).status_code == 200
    # approving again changes nothing and mails no one
    mails = OutboundMail.objects.count()
    admin.post("/admin/divan/user/", {"action": "approve_accounts", "_selected_action": [zoe.pk]})
    assert OutboundMail.objects.count() == mails
    assert RegistrationApplication.objects.get(user=zoe).approved_at == application.approved_at


@pytest.mark.parametrize("path", PATHS)
def test_approval_lets_an_invitation_in_at_once(settings, staff, path):
    settings.REGISTRATION_MODE = "approval"

    response = sign_up(path, invitation=staff_link(staff))

    assert response.status_code == PATHS[path][1], response.content
    assert User.objects.get(username="zoe").is_active
    assert not RegistrationApplication.objects.exists()


# --- invite-only -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_invite_only_refuses_a_sign_up_without_an_invitation(settings, path):
    settings.REGISTRATION_MODE = "invite-only"
    before = db_state()

    response = sign_up(path)

    assert field_error(path, response, "invitation") == [INVITATION_REQUIRED]
    assert db_state() == before


@pytest.mark.parametrize("path", PATHS)
def test_an_invitation_is_used_up_by_its_sign_ups(settings, staff, path):
    settings.REGISTRATION_MODE = "invite-only"
    link = staff_link(staff, max_uses=2)
    invitation = SignupInvitation.objects.get()

    first, second = sign_up(path, "zoe", invitation=link), sign_up(path, "yann", invitation=link)
    before = db_state()
    third = sign_up(path, "xavi", invitation=link)

    assert (first.status_code, second.status_code) == (PATHS[path][1],) * 2
    invitation.refresh_from_db()
    assert invitation.uses == 2
    assert field_error(path, third, "invitation") == [INVITATION_INVALID]
    assert db_state() == before


def test_an_invitation_used_up_after_the_check_makes_no_account(settings, staff):
    """The check before the fields and the use under lock: a sign-up that passed the check
    while another took the last use is refused in its own transaction."""
    settings.REGISTRATION_MODE = "invite-only"
    key = staff_link(staff, max_uses=1)
    admission = signup_admission(invitation=key)
    assert sign_up("register", "yann", invitation=key).status_code == 201
    before = db_state()

    with pytest.raises(InvalidInput) as refused, transaction.atomic():
        user = User.objects.create_user("zoe", "zoe@example.com", PASSWORD)
        signup_admit(user=user, admission=admission)

    assert refused.value.detail == {"invitation": [INVITATION_INVALID]}
    assert db_state() == before


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("spoil", ["expired", "revoked", "tampered", "unknown"])
def test_a_spoilt_invitation_is_refused_and_changes_nothing(settings, staff, path, spoil):
    settings.REGISTRATION_MODE = "invite-only"
    link = staff_link(staff, max_uses=5)
    invitations = SignupInvitation.objects.all()
    if spoil == "expired":
        invitations.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "revoked":
        invitations.update(revoked_at=timezone.now())
    elif spoil == "tampered":
        link = link[:-1] + ("A" if link[-1] != "A" else "B")
    else:
        link = "x" * len(link)
    before = db_state()

    response = sign_up(path, invitation=link)

    assert field_error(path, response, "invitation") == [INVITATION_INVALID]
    assert db_state() == before


@pytest.mark.parametrize("path", PATHS)
def test_a_groups_invitation_brings_its_user_into_the_group(settings, path):
    settings.REGISTRATION_MODE = "invite-only"
    owner = UserFactory()
    group = make_group(owner=owner, visibility="secret")
    created = client_for(owner).post(
        f"/api/communities/v1/groups/{group.pk}/signup-invitations/", {"max_uses": 1},
        format="json",
    )  # fmt: skip

    response = sign_up(path, invitation=created.json()["key"])

    assert response.status_code == PATHS[path][1], response.content
    zoe = User.objects.get(username="zoe")
    assert Membership.objects.filter(group=group, user=zoe, role=Role.MEMBER).exists()
    assert Group.objects.get(pk=group.pk).member_count == 2


def test_the_answers_do_not_depend_on_the_address(settings, staff):
    owner = UserFactory(email="taken@example.com")
    EmailAddress.objects.create(user=owner, email="taken@example.com", verified=True, primary=True)
    for mode in ("invite-only", "closed"):
        settings.REGISTRATION_MODE = mode
        for path in PATHS:
            taken = sign_up(path, "zoe", "taken@example.com")
            free = sign_up(path, "zoe", "free@example.com")
            assert (taken.status_code, taken.json()) == (free.status_code, free.json())


# --- a group's invitation links, through the API -----------------------------------------------

LINKS = "/api/communities/v1/groups/{}/signup-invitations/"


def test_owners_and_admins_make_list_and_revoke_their_groups_links(settings):
    settings.REGISTRATION_MODE = "invite-only"
    owner, admin = UserFactory(), UserFactory()
    group = make_group(owner=owner, visibility="private")
    add_member(group, admin, Role.ADMIN)

    made = client_for(admin).post(LINKS.format(group.pk), {"max_uses": 3, "days": 2}, format="json")
    listed = client_for(owner).get(LINKS.format(group.pk))
    revoked = client_for(owner).delete(f"{LINKS.format(group.pk)}{made.json()['id']}/")

    assert made.status_code == 201, made.content
    body = made.json()
    invitation = SignupInvitation.objects.get()
    assert body["link"] == f"{settings.HUB_URL}/register?invitation={body['key']}"
    assert (body["group"], body["max_uses"], body["uses"], body["usable"]) == (group.pk, 3, 0, True)
    assert body["created_by"]["username"] == admin.username
    assert timedelta(days=2) - (invitation.expires_at - invitation.created_at) < timedelta(
        seconds=5
    )
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert "key" not in row and "link" not in row  # the key was shown once
    assert row["id"] == body["id"]
    assert revoked.status_code == 204
    again = client_for(owner).get(LINKS.format(group.pk)).json()["results"][0]
    assert again["usable"] is False and again["revoked_at"] is not None
    assert field_error("register", sign_up("register", invitation=body["key"]), "invitation") == [
        INVITATION_INVALID
    ]


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.MEMBER, None])
def test_others_may_not_make_or_see_a_groups_links(role):
    owner, other = UserFactory(), UserFactory()
    group = make_group(owner=owner, visibility="public")
    if role:
        add_member(group, other, role)
    invitation_create(actor=owner, group=group)
    before = db_state()

    made = client_for(other).post(LINKS.format(group.pk), {}, format="json")
    listed = client_for(other).get(LINKS.format(group.pk))
    revoked = client_for(other).delete(
        f"{LINKS.format(group.pk)}{SignupInvitation.objects.get().pk}/"
    )

    assert [made.status_code, listed.status_code, revoked.status_code] == [403, 403, 403]
    assert db_state() == before
    assert client_for().post(LINKS.format(group.pk), {}, format="json").status_code == 401


def test_a_link_asks_for_no_more_uses_or_days_than_allowed(settings):
    settings.INVITATION_MAX_USES, settings.INVITATION_MAX_DAYS = 10, 30
    owner = UserFactory()
    group = make_group(owner=owner)

    refused = client_for(owner).post(
        LINKS.format(group.pk), {"max_uses": 11, "days": 31}, format="json"
    )
    nonsense = client_for(owner).post(
        LINKS.format(group.pk), {"max_uses": "many", "days": 0}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"max_uses": ["At most 10."], "days": ["At most 30."]}
    assert nonsense.status_code == 400 and set(nonsense.json()) == {"max_uses", "days"}
    assert not SignupInvitation.objects.exists()


# --- staff's links, in the admin ---------------------------------------------------------------


def test_staff_make_a_link_in_the_admin_shown_once_and_revoke_it(settings, staff):
    settings.REGISTRATION_MODE = "invite-only"
    admin = Client()
    admin.force_login(staff)

    made = admin.post(
        "/admin/accounts/signupinvitation/add/", {"group": "", "max_uses": 1, "days": 3},
        follow=True,
    )  # fmt: skip

    shown = "The invitation link, shown this once: "
    [link] = [str(m).removeprefix(shown) for m in made.context["messages"] if shown in str(m)]
    key = link.split("invitation=")[1]
    invitation = SignupInvitation.objects.get()
    assert (invitation.group, invitation.created_by, invitation.max_uses) == (None, staff, 1)
    assert (
        key
        not in admin.get(
            f"/admin/accounts/signupinvitation/{invitation.pk}/change/"
        ).content.decode()
    )
    assert sign_up("register", invitation=key).status_code == 201

    second = staff_link(staff)
    admin.post(
        "/admin/accounts/signupinvitation/",
        {"action": "revoke", "_selected_action": [SignupInvitation.objects.first().pk]},
    )  # fmt: skip
    assert field_error(
        "register", sign_up("register", "yann", invitation=second), "invitation"
    ) == [INVITATION_INVALID]
