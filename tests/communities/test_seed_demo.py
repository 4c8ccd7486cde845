"""seed_demo is deterministic and idempotent."""

import pytest
from django.core.management import call_command

from communities.models import (
    Ban,
    Comment,
    Group,
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Reaction,
    Report,
)
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
        "group_tags": sorted(Group.objects.values_list("slug", "tags__name")),
        "posts": sorted(
            Post.objects.values_list(
                "group__slug", "author__username", "pinned", "locked", "comments_count",
                "reactions_count",
            )
        ),
        "post_tags": sorted(Post.objects.values_list("group__slug", "tags__name")),
        "comments": sorted(Comment.objects.values_list("post__group__slug", "author__username",
                                                       "depth", "reactions_count")),
        "reactions": Reaction.objects.count(),
        "reputation": sorted(User.objects.values_list("username", "reputation")),
        "reports": sorted(Report.objects.values_list("reporter__username", "reason", "status")),
    }  # fmt: skip


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
        "group_tags": [("book-club", "books"), ("book-club", "fiction"),
                       ("divan-lounge", "introductions"), ("divan-lounge", "meta"),
                       ("divan-lounge", "welcome"), ("founders", "roadmap")],
        # group, author, pinned, locked, comments_count, reactions_count
        "posts": [("book-club", "bob", True, False, 2, 2),
                  ("divan-lounge", "alice", True, False, 5, 4),
                  ("divan-lounge", "carol", False, True, 0, 2),
                  ("divan-lounge", "dave", False, False, 0, 0),
                  ("divan-lounge", "erin", False, False, 1, 1),
                  ("founders", "alice", False, False, 1, 1)],
        "post_tags": [("book-club", "books"), ("book-club", "fiction"), ("book-club", "le-guin"),
                      ("divan-lounge", "deals"), ("divan-lounge", "introductions"),
                      ("divan-lounge", "meta"), ("divan-lounge", "outdoors"),
                      ("divan-lounge", "welcome"), ("founders", "roadmap")],
        # group, author, depth, reactions_count
        "comments": [("book-club", "alice", 1, 0), ("book-club", "carol", 2, 0),
                     ("divan-lounge", "alice", 2, 0), ("divan-lounge", "bob", 1, 0),
                     ("divan-lounge", "bob", 3, 0), ("divan-lounge", "carol", 2, 0),
                     ("divan-lounge", "dave", 1, 0), ("divan-lounge", "dave", 1, 1),
                     ("founders", "bob", 1, 1)],
        "reactions": 12,
        "reputation": [("admin", 0), ("alice", 5), ("bob", 3), ("carol", 2), ("dave", 1),
                       ("erin", 1), ("frank", 0)],
        "reports": [("erin", "spam", "open")],
    }  # fmt: skip


def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = snapshot()
    capsys.readouterr()

    call_command("seed_demo")

    assert snapshot() == first
    assert capsys.readouterr().out.strip() == "Demo data already present; nothing changed."


def test_seed_demo_if_demo_seeds_nothing_without_divan_demo(settings, capsys):
    settings.DIVAN_DEMO = False

    call_command("seed_demo", "--if-demo")

    assert User.objects.count() == 0
    assert Group.objects.count() == 0
    out = capsys.readouterr().out
    assert "DIVAN_DEMO is not set" in out
    assert "divan-admin-password" not in out


def test_seed_demo_if_demo_seeds_with_divan_demo(settings, capsys):
    settings.DIVAN_DEMO = True

    call_command("seed_demo", "--if-demo")

    assert "admin / divan-admin-password" in capsys.readouterr().out
    assert sorted(Group.objects.values_list("slug", flat=True)) == [
        "book-club", "divan-lounge", "founders"
    ]  # fmt: skip


def test_seed_demo_under_production_settings_creates_no_superuser(settings, capsys):
    settings.DEMO_ADMIN = False  # config.settings.prod's

    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "divan-admin-password" not in out
    assert "createsuperuser" in out
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(username="admin").exists()
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "alice", "bob", "carol", "dave", "erin", "frank"
    ]  # fmt: skip
    assert Group.objects.count() == 3
