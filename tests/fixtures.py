"""Shared fixtures: users, API clients authenticated by real tokens, and groups with every role."""

import fcntl
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from communities.models import Comment, Group, Post, Visibility
from communities.roles import Role
from communities.services.comments import comment_create
from communities.services.groups import group_create
from communities.services.membership import (
    group_join,
    invitation_create,
    membership_ban,
    membership_change_role,
)
from communities.services.posts import post_create
from divan.services.users import token_issue
from tests.factories import UserFactory


def client_for(user=None) -> APIClient:
    """An API client; with a user, it sends that user's real token."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    return client


def metrics_scrape(client=None):
    """GET /metrics as Prometheus does, with the bearer token (config/settings/test.py sets it)."""
    return (client or Client()).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}"
    )


def make_group(*, owner, visibility=Visibility.PUBLIC, name=None) -> Group:
    name = name or f"{visibility.title()} group of {owner.username}"
    return group_create(creator=owner, name=name, visibility=visibility)


def add_member(group: Group, user, role: str = Role.MEMBER) -> None:
    """Bring a user in through the real paths: join (with an invitation where one is needed)."""
    if group.visibility != Visibility.PUBLIC:
        invitation_create(actor=group.created_by, group=group, user_id=user.pk)
    group_join(user=user, group=group)
    if role != Role.MEMBER:
        membership_change_role(actor=group.created_by, group=group, user_id=user.pk, role=role)


def make_post(*, group: Group, author, body: str = "A post", **fields) -> Post:
    """A post through the real service, so that every counter starts right."""
    return post_create(author=author, group=group, body=body, **fields)


def make_comment(*, post: Post, author, body: str = "A comment", parent=None) -> Comment:
    return comment_create(author=author, post=post, body=body, parent=parent)


ROLES = ("owner", "admin", "moderator", "member")
VIEWERS = ("anonymous", "outsider", "banned", *ROLES)


@dataclass
class World:
    """One group with a user in every standing: each role, an outsider and a banned user."""

    group: Group
    users: dict = field(default_factory=dict)

    def user(self, who: str):
        return self.users.get(who)

    def client(self, who: str) -> APIClient:
        return client_for(self.users.get(who))

    def refresh(self) -> Group:
        self.group.refresh_from_db()
        return self.group


def build_world(visibility: str) -> World:
    owner = UserFactory(username=f"{visibility}-owner")
    group = make_group(owner=owner, visibility=visibility)
    world = World(group=group, users={"owner": owner, "anonymous": None})
    for role in ("admin", "moderator", "member"):
        user = UserFactory(username=f"{visibility}-{role}")
        add_member(group, user, role)
        world.users[role] = user
    world.users["outsider"] = UserFactory(username=f"{visibility}-outsider")
    banned = UserFactory(username=f"{visibility}-banned")
    add_member(group, banned)
    membership_ban(actor=owner, group=group, user_id=banned.pk, reason="spam")
    world.users["banned"] = banned
    group.refresh_from_db()
    return world


@pytest.fixture
def connection_heavy():
    """Tests that open dozens of database connections at once (thread pools) take turns across
    the xdist workers of a run, so that together they stay under PostgreSQL's max_connections."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    lock_path = Path(tempfile.gettempdir()) / f"divan-tests-{run}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # blocks until the other worker's heavy test is done
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def public_world(db) -> World:
    return build_world(Visibility.PUBLIC)


@pytest.fixture
def private_world(db) -> World:
    return build_world(Visibility.PRIVATE)


@pytest.fixture
def secret_world(db) -> World:
    return build_world(Visibility.SECRET)


@pytest.fixture(params=[Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def world(request, db) -> World:
    return build_world(request.param)
