"""Deterministic demo data: users, a group of each visibility, roles, a request, an invitation
and a ban. Everything goes through the services; a second run changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from communities.models import Group, Visibility
from communities.roles import Role
from communities.services.groups import group_create
from communities.services.membership import (
    group_join,
    invitation_create,
    membership_ban,
    membership_change_role,
)
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


class Command(BaseCommand):
    help = "Create Divan's demo users and groups; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            created_users = self._users()
            created_groups = [slug for slug, spec in GROUPS.items() if self._group(slug, *spec)]
        if not created_users and not created_groups:
            self.stdout.write("Demo data already present; nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS("Demo data created."))
        if created_users:
            self.stdout.write(f"  Django admin: admin / {ADMIN_PASSWORD}")
            self.stdout.write(f"  Demo users {', '.join(USERS)}: password {DEMO_PASSWORD}")
        if created_groups:
            self.stdout.write(f"  Groups: {', '.join(created_groups)}")

    def _users(self) -> list[str]:
        created = []
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@divan.example", ADMIN_PASSWORD)
            created.append("admin")
        for username in USERS:
            if not User.objects.filter(username=username).exists():
                User.objects.create_user(username, f"{username}@divan.example", DEMO_PASSWORD)
                created.append(username)
        return created

    def _group(self, slug, name, visibility, owner, description, members, requests, invites, bans):
        if Group.objects.filter(slug=slug).exists():
            return False
        users = {user.username: user for user in User.objects.filter(username__in=USERS)}
        owner = users[owner]
        group = group_create(
            creator=owner, name=name, slug=slug, description=description, visibility=visibility
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
