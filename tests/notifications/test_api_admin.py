"""Notifications in the Django admin: staff read items, levels and settings; nobody writes."""

import uuid

import pytest

from notifications.models import (
    GroupLevel,
    MailSettings,
    Notification,
    PostLevel,
    RecipientChunk,
    TypeSetting,
)
from notifications.types import NotificationType
from tests.factories import UserFactory
from tests.fixtures import make_post
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db

MODELS = ("notification", "grouplevel", "postlevel", "typesetting", "mailsettings",
          "recipientchunk")  # fmt: skip


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def rows(public_world):
    member = public_world.user("member")
    post = make_post(group=public_world.group, author=member)
    item = make_notification(member, NotificationType.REACTION, post=post, actors=[member])
    GroupLevel.objects.create(user=member, group=public_world.group, level="watching")
    PostLevel.objects.create(user=member, post=post, level="muted")
    TypeSetting.objects.create(user=member, type="mention", delivery="off")
    MailSettings.objects.create(user=member, digest=False)
    RecipientChunk.objects.create(
        event_id=uuid.uuid4(), type="group_post", after_user_id=0, last_user_id=10
    )
    return item


@pytest.mark.parametrize("model", MODELS)
def test_staff_read_every_list_and_row(staff_client, rows, model):
    listed = staff_client.get(f"/admin/notifications/{model}/")
    assert listed.status_code == 200
    row = {
        "notification": Notification, "grouplevel": GroupLevel, "postlevel": PostLevel,
        "typesetting": TypeSetting, "mailsettings": MailSettings,
        "recipientchunk": RecipientChunk,
    }[model].objects.get()  # fmt: skip

    assert staff_client.get(f"/admin/notifications/{model}/{row.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nobody_adds_changes_or_deletes_here(staff_client, rows, model):
    before = Notification.objects.values_list("pk", "read_at", "count")[::1]

    assert staff_client.get(f"/admin/notifications/{model}/add/").status_code == 403
    assert (
        staff_client.post(
            f"/admin/notifications/notification/{rows.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Notification.objects.values_list("pk", "read_at", "count")[::1] == before


def test_the_inbox_list_filters_by_type_and_finds_a_recipient(staff_client, rows):
    by_type = staff_client.get("/admin/notifications/notification/", {"type__exact": "reaction"})
    by_name = staff_client.get("/admin/notifications/notification/", {"q": "public-member"})
    nobody = staff_client.get("/admin/notifications/notification/", {"q": "nobody-here"})

    assert by_type.context["cl"].result_count == 1
    assert by_name.context["cl"].result_count == 1
    assert nobody.context["cl"].result_count == 0
