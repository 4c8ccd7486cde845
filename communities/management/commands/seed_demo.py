"""Deterministic demo data: users, a group of each visibility, roles, a request, an invitation,
a ban, and a lively conversation: tagged posts, threads, reactions, a pinned post and a report.
Everything goes through the services; a second run changes nothing. With `--if-demo` (docker
compose's start) it seeds only when DIVAN_DEMO is on; under production settings it creates no
superuser (DEMO_ADMIN), since the demo's admin password is published."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from communities.models import Group, Post, Visibility
from communities.roles import Role
from communities.services.comments import comment_create
from communities.services.groups import group_create
from communities.services.membership import (
    group_join,
    invitation_create,
    membership_ban,
    membership_change_role,
)
from communities.services.posts import post_create, post_lock, post_pin
from communities.services.reactions import reaction_add
from communities.services.reports import report_create
from divan.models import User

DEMO_PASSWORD = "divan-demo-password"
ADMIN_PASSWORD = "divan-admin-password"
USERS = ("alice", "bob", "carol", "dave", "erin", "frank")

# slug: (name, visibility, owner, description, {member: role}, pending requests, invitations, bans)
GROUPS = {
    "divan-lounge": (
        "Divan Lounge", Visibility.PUBLIC, "alice", "Everyone is welcome: say hello.",
        {"bob": Role.ADMIN, "carol": Role.MODERATOR, "dave": Role.MEMBER, "erin": Role.MEMBER},
        (), (), ("frank",),
    ),
    "book-club": (
        "Book Club", Visibility.PRIVATE, "bob", "One book a month; members only.",
        {"alice": Role.MEMBER, "carol": Role.MODERATOR},
        ("dave",), (), (),
    ),
    "founders": (
        "Founders", Visibility.SECRET, "alice", "Where the founders plan.",
        {"bob": Role.ADMIN},
        (), ("carol",), (),
    ),
}  # fmt: skip

GROUP_TAGS = {
    "divan-lounge": ("welcome", "introductions", "meta"),
    "book-club": ("books", "fiction"),
    "founders": ("roadmap",),
}

# Each post: author, title, body, tags, reactions [(user, kind)], a thread of comments
# [(author, body, replies)], and what the moderators did to it ("pin", "lock").
POSTS = {
    "divan-lounge": [
        ("alice", "Welcome to the Lounge", "Introduce yourself below: who you are, what you love.",
         ("welcome", "introductions"),
         [("bob", "like"), ("carol", "love"), ("dave", "like"), ("erin", "wow")],
         [("bob", "Hi all, Bob here: I run the book club.", [
              ("alice", "Glad to have you, Bob!", [("bob", "Thanks!", [])]),
          ]),
          ("dave", "Dave, long-time lurker, first post.", [("carol", "Welcome, Dave!", [])]),
         ],
         ("pin",)),
        ("carol", "House rules", "Be kind, stay on topic, no spam. Moderators may hide posts.",
         ("meta",), [("alice", "like"), ("bob", "like")], [], ("lock",)),
        ("erin", "", "Anyone up for a weekend hike? #outdoors", ("outdoors",),
         [("dave", "laugh")], [("dave", "Count me in.", [])], ()),
        ("dave", "", "Buy cheap watches at my shop!!!", ("deals",), [], [], ()),
    ],
    "book-club": [
        ("bob", "November: The Left Hand of Darkness", "Discuss chapters 1-5 here.",
         ("books", "fiction", "le-guin"),
         [("alice", "love"), ("carol", "like")],
         [("alice", "The ice journey is breathtaking.", [
              ("carol", "Agreed, and the politics of Karhide too.", []),
          ])],
         ("pin",)),
    ],
    "founders": [
        ("alice", "Roadmap", "Posts, then uploads, then feeds.", ("roadmap",),
         [("bob", "like")], [("bob", "Feeds need the outbox first.", [])], ()),
    ],
}  # fmt: skip

# (reporter, group slug, title-or-body start of the reported post, reason, detail)
REPORTS = [("erin", "divan-lounge", "Buy cheap watches", "spam", "Advertising, again.")]


def _verified(user) -> None:
    """The demo's addresses count as verified (allauth's record of them): no mail to click."""
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def _demo_group(slug: str) -> Group | None:
    """The demo group, by its slug and owner: a secret group's slug may be anyone's too."""
    owner = GROUPS[slug][2]
    return Group.objects.filter(slug=slug, created_by__username=owner).first()


class Command(BaseCommand):
    help = "Create Divan's demo users and groups; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help="seed only when DIVAN_DEMO=1 (docker compose runs this at every start)",
        )

    def handle(self, *args, **options):
        if options["if_demo"] and not settings.DIVAN_DEMO:
            self.stdout.write(
                "No demo data: DIVAN_DEMO is not set (create an admin with createsuperuser)."
            )
            return
        with transaction.atomic():
            created_users = self._users()
            created_groups = [slug for slug, spec in GROUPS.items() if self._group(slug, *spec)]
            created_posts = sum(self._posts(slug) for slug in POSTS)
        if not created_users and not created_groups and not created_posts:
            self.stdout.write("Demo data already present; nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS("Demo data created."))
        if "admin" in created_users:
            self.stdout.write(f"  Django admin: admin / {ADMIN_PASSWORD}")
        elif not settings.DEMO_ADMIN:
            self.stdout.write("  No demo superuser under these settings: manage.py createsuperuser")
        if created_users:
            self.stdout.write(f"  Demo users {', '.join(USERS)}: password {DEMO_PASSWORD}")
        if created_groups:
            self.stdout.write(f"  Groups: {', '.join(created_groups)}")
        if created_posts:
            self.stdout.write(f"  Posts: {created_posts}, with threads, reactions and tags")

    def _users(self) -> list[str]:
        created = []
        if settings.DEMO_ADMIN and not User.objects.filter(username="admin").exists():
            admin = User.objects.create_superuser("admin", "admin@divan.example", ADMIN_PASSWORD)
            _verified(admin)
            created.append("admin")
        for username in USERS:
            if not User.objects.filter(username=username).exists():
                user = User.objects.create_user(
                    username, f"{username}@divan.example", DEMO_PASSWORD
                )
                _verified(user)
                created.append(username)
        return created

    def _group(self, slug, name, visibility, owner, description, members, requests, invites, bans):
        if _demo_group(slug) is not None:
            return False
        users = {user.username: user for user in User.objects.filter(username__in=USERS)}
        owner = users[owner]
        group = group_create(
            creator=owner,
            name=name,
            slug=slug,
            description=description,
            visibility=visibility,
            tags=GROUP_TAGS[slug],
        )
        for username, role in members.items():
            if visibility != Visibility.PUBLIC:
                invitation_create(actor=owner, group=group, user_id=users[username].pk)
            group_join(user=users[username], group=group)
            if role != Role.MEMBER:
                membership_change_role(
                    actor=owner, group=group, user_id=users[username].pk, role=role
                )
        for username in requests:
            group_join(user=users[username], group=group)
        for username in invites:
            invitation_create(actor=owner, group=group, user_id=users[username].pk)
        for username in bans:
            membership_ban(
                actor=owner, group=group, user_id=users[username].pk, reason="Demo: spam links"
            )
        return True

    def _posts(self, slug: str) -> int:
        """The group's demo conversation, written once: not again while the group has posts."""
        group = _demo_group(slug)
        if Post.objects.filter(group=group).exists():
            return 0
        users = {user.username: user for user in User.objects.filter(username__in=USERS)}
        posts = {}
        for author, title, body, tags, reactions, thread, moderation in POSTS[slug]:
            post = post_create(author=users[author], group=group, title=title, body=body, tags=tags)
            posts[title or body] = post
            for username, kind in reactions:
                reaction_add(user=users[username], kind=kind, post=post)
            self._thread(post, thread, users, parent=None)
            for action in moderation:
                moderate = {"pin": post_pin, "lock": post_lock}[action]
                moderate(actor=group.created_by, post=post)
        for reporter, report_slug, start, reason, detail in REPORTS:
            if report_slug == slug:
                post = next(post for text, post in posts.items() if text.startswith(start))
                report_create(
                    reporter=users[reporter], post_id=post.pk, reason=reason, detail=detail
                )
        return len(posts)

    def _thread(self, post, comments, users, *, parent) -> None:
        for author, body, replies in comments:
            comment = comment_create(author=users[author], post=post, body=body, parent=parent)
            if parent is None and len(replies) == 0:
                reaction_add(user=post.author, kind="like", comment=comment)
            self._thread(post, replies, users, parent=comment)
