"""The Django admin lists users, groups, memberships and bans, with search and filters."""

import pytest

from communities.models import Ban, Membership
from tests.factories import UserFactory
from tests.fixtures import add_member, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def lounge():
    owner = UserFactory(username="olga")
    group = make_group(owner=owner, name="Lounge")
    add_member(group, UserFactory(username="mike"))
    spammer = UserFactory(username="spammer")
    add_member(group, spammer)
    from communities.services.membership import membership_ban

    membership_ban(actor=owner, group=group, user_id=spammer.pk, reason="links")
    return group


@pytest.mark.parametrize(
    "path",
    [
        "/admin/divan/user/",
        "/admin/communities/group/",
        "/admin/communities/membership/",
        "/admin/communities/ban/",
        "/admin/communities/joinrequest/",
        "/admin/communities/invitation/",
        "/admin/divan/outboundmail/",
    ],
)
def test_changelists_render(staff_client, lounge, path):
    assert staff_client.get(path).status_code == 200


def test_membership_search_and_role_filter(staff_client, lounge):
    response = staff_client.get("/admin/communities/membership/", {"q": "mike"})
    assert list(response.context["cl"].result_list) == [
        Membership.objects.get(user__username="mike")
    ]

    owners = staff_client.get("/admin/communities/membership/", {"role__exact": "owner"})
    assert [m.user.username for m in owners.context["cl"].result_list] == ["olga"]


def test_ban_search(staff_client, lounge):
    response = staff_client.get("/admin/communities/ban/", {"q": "spammer"})
    assert list(response.context["cl"].result_list) == [Ban.objects.get()]


def test_group_filter_by_visibility(staff_client, lounge):
    response = staff_client.get("/admin/communities/group/", {"visibility__exact": "secret"})
    assert list(response.context["cl"].result_list) == []
    response = staff_client.get("/admin/communities/group/", {"visibility__exact": "public"})
    assert [group.name for group in response.context["cl"].result_list] == ["Lounge"]


def test_non_staff_cannot_enter(client):
    client.force_login(UserFactory())
    assert client.get("/admin/communities/group/").status_code == 302


@pytest.mark.parametrize(
    ("path", "verb"),
    [
        ("/admin/divan/user/{user}/delete/", "deleting users"),
        ("/admin/communities/group/{group}/delete/", "deleting groups"),
        ("/admin/communities/membership/{membership}/change/", "editing memberships"),
        ("/admin/communities/ban/{ban}/delete/", "lifting bans without the log"),
    ],
)
def test_admin_cannot_write_past_the_services(staff_client, lounge, path, verb):
    membership = Membership.objects.get(user__username="mike")
    ban = Ban.objects.get()
    url = path.format(
        user=membership.user_id, group=lounge.pk, membership=membership.pk, ban=ban.pk
    )

    response = staff_client.post(url, {"post": "yes", "role": "owner"})

    assert response.status_code == 403, verb
    assert Membership.objects.get(pk=membership.pk).role == "member"
    assert Ban.objects.filter(pk=ban.pk).exists()
    lounge.refresh_from_db()
    assert lounge.member_count == 2


def test_the_mail_queue_is_listed_to_read_and_nothing_else(staff_client):
    from django.core.mail import send_mail

    from divan.models import OutboundMail

    send_mail("Your link", "Follow it.", None, ["kim@example.com"])
    mail = OutboundMail.objects.get()

    listed = staff_client.get("/admin/divan/outboundmail/?sent_at__isnull=True")
    shown = staff_client.get(f"/admin/divan/outboundmail/{mail.pk}/change/")
    refused = staff_client.post(f"/admin/divan/outboundmail/{mail.pk}/delete/", {"post": "yes"})

    assert listed.status_code == 200 and "Your link" in listed.content.decode()
    assert shown.status_code == 200 and "Your link" in shown.content.decode()
    assert refused.status_code == 403
    assert list(OutboundMail.objects.values_list("pk", "sent_at")) == [(mail.pk, None)]
