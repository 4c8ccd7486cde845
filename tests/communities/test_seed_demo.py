"""seed_demo is deterministic and idempotent."""

import pytest
from django.core.management import call_command

from communities.models import Ban, Group, Invitation, JoinRequest, Membership
from divan.models import User

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", "is_superuser")),
        "groups": sorted(Group.objects.values_list("slug", "visibility", "member_count")),
        "memberships": sorted(
            Membership.objects.values_list("group__slug", "user__username", "role")
        ),
        "requests": sorted(
            JoinRequest.objects.values_list("group__slug", "user__username", "status")
        ),
        "invitations": sorted(
            Invitation.objects.values_list("group__slug", "user__username", "status")
        ),
        "bans": sorted(Ban.objects.values_list("group__slug", "user__username")),
    }


def test_seed_demo_creates_the_documented_world(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "admin / divan-admin-password" in out
    assert "password divan-demo-password" in out
    assert snapshot() == {
        "users": [("admin", True), ("alice", False), ("bob", False), ("carol", False),
                  ("dave", False), ("erin", False), ("frank", False)],
        "groups": [("book-club", "private", 3), ("divan-lounge", "public", 5),
                   ("founders", "secret", 2)],
        "memberships": [
            ("book-club", "alice", "member"), ("book-club", "bob", "owner"),
            ("book-club", "carol", "moderator"),
            ("divan-lounge", "alice", "owner"), ("divan-lounge", "bob", "admin"),
            ("divan-lounge", "carol", "moderator"), ("divan-lounge", "dave", "member"),
            ("divan-lounge", "erin", "member"),
            ("founders", "alice", "owner"), ("founders", "bob", "admin"),
        ],
        "requests": [("book-club", "dave", "pending")],
        "invitations": [("book-club", "alice", "accepted"), ("book-club", "carol", "accepted"),
                        ("founders", "bob", "accepted"), ("founders", "carol", "pending")],
        "bans": [("divan-lounge", "frank")],
    }  # fmt: skip


def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = snapshot()
    capsys.readouterr()

    call_command("seed_demo")

    assert snapshot() == first
    assert capsys.readouterr().out.strip() == "Demo data already present; nothing changed."
