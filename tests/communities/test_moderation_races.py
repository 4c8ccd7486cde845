"""Conflicting moderation and content actions, raced through the API many times: never a 5xx,
always the statuses and end state of one serial order, and every counter exact afterwards.

Each trial sends two requests at once (one thread each, lined up by a barrier) against a world
reused by all of a pair's trials, with fresh rows (a user, a request, a post...) per trial.
A request is three steps, each atomic on its own: the view's read, the service's transaction,
and (for some) the view's read of the result. The outcomes listed per pair are those of every
serial order of these steps; a deadlock would show up as a 500.
"""

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models.functions import Coalesce
from rest_framework.test import APIClient

from communities.models import (
    Ban,
    Comment,
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Reaction,
    Report,
    Visibility,
)
from communities.services.membership import (
    group_join,
    invitation_create,
    membership_ban,
)
from communities.services.reports import report_create
from divan.models import User
from tests.factories import UserFactory
from tests.fixtures import (
    ROLES,
    World,
    add_member,
    build_world,
    client_for,
    make_comment,
    make_post,
)

# Many threads, each with its own connection: such tests take turns across xdist workers.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("connection_heavy")]

API = "/api/communities/v1"
TRIALS = 15


@dataclass(frozen=True)
class Call:
    client: APIClient
    method: str  # "post", "patch" or "delete"
    path: str
    data: dict | None = None


@dataclass(frozen=True)
class Trial:
    """Two requests to race, the end state to read afterwards, and each serial order's outcome:
    (the two statuses, the end state) pairs."""

    first: Call
    second: Call
    state: Callable[[], dict]
    outcomes: list[tuple[tuple[int, int], dict]]


def api_client(user) -> APIClient:
    """A client with the user's real token that answers a server error with its 500."""
    client = client_for(user)
    client.raise_request_exception = False
    return client


def race(first: Call, second: Call) -> tuple[int, int]:
    """Send both calls at once, each from its own thread (and client), and return the statuses."""
    barrier = threading.Barrier(2)

    def send(call: Call) -> int:
        try:
            barrier.wait(timeout=30)
            request = getattr(call.client, call.method)
            return request(call.path, call.data, format="json").status_code
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=2) as pool:
        return tuple(pool.map(send, (first, second)))


def standing(group, user) -> dict:
    """The user's role in the group (None if not a member), and whether a ban binds them."""
    role = Membership.objects.filter(group=group, user=user).values_list("role", flat=True).first()
    banned = Ban.objects.active().filter(group=group, user=user).exists()
    return {"role": role, "banned": banned}


def consistency_problems(world: World) -> list[str]:
    """Every counter against a fresh count, and no member both in and banned. A few queries,
    whatever the number of rows: every user and reaction of the test is in the world's group."""
    group = world.refresh()
    problems = []
    members = Membership.objects.filter(group=group)
    if group.member_count != members.count():
        problems.append(f"member_count {group.member_count} != {members.count()} memberships")
    banned = members.filter(user__in=Ban.objects.active().filter(group=group).values("user"))
    if banned.exists():
        problems.append(f"banned members: {list(banned.values_list('user_id', flat=True))}")
    posts = Post.objects.filter(group=group)
    live = Counter(
        Comment.objects.filter(post__group=group, deleted_at=None, hidden_at=None).values_list(
            "post_id", flat=True
        )
    )
    for pk, comments_count in posts.values_list("pk", "comments_count"):
        if comments_count != live[pk]:
            problems.append(f"post {pk}: comments_count {comments_count} != {live[pk]}")
    problems += _reaction_count_problems(posts, "post")
    problems += _reaction_count_problems(Comment.objects.filter(post__group=group), "comment")
    earned = Counter(
        author
        for user, author in Reaction.objects.annotate(
            author=Coalesce("post__author", "comment__author")
        ).values_list("user", "author")
        if author != user
    )
    for pk, reputation in User.objects.values_list("pk", "reputation"):
        if reputation != earned[pk]:
            problems.append(f"user {pk}: reputation {reputation} != {earned[pk]}")
    return problems


def _reaction_count_problems(targets, field: str) -> list[str]:
    counted = defaultdict(Counter)
    for target_id, kind in Reaction.objects.filter(**{f"{field}__in": targets}).values_list(
        field, "kind"
    ):
        counted[target_id][kind] += 1
    problems = []
    for pk, total, per_kind in targets.values_list("pk", "reactions_count", "reaction_counts"):
        stored, kinds = {kind: n for kind, n in per_kind.items() if n}, dict(counted[pk])
        if total != sum(kinds.values()) or stored != kinds:
            problems.append(f"{field} {pk}: counters {total} {stored} != {kinds}")
    return problems


class Arena:
    """One world reused by every trial of a pair, with a client for each of its roles."""

    def __init__(self, visibility: str):
        self.world = build_world(visibility)
        self.group = self.world.group
        self.clients = {role: api_client(self.world.user(role)) for role in ROLES}
        self.newcomers = 0

    def url(self, suffix: str) -> str:
        return f"{API}/groups/{self.group.pk}/{suffix}"

    def newcomer(self):
        self.newcomers += 1
        return UserFactory(username=f"{self.group.visibility}-newcomer-{self.newcomers}")

    def member(self):
        user = self.newcomer()
        add_member(self.group, user)
        return user

    def join_request(self, user) -> JoinRequest:
        outcome = group_join(user=user, group=self.group)
        assert outcome.join_request is not None
        return outcome.join_request

    def invitation(self, user) -> Invitation:
        invitation, _ = invitation_create(
            actor=self.world.user("owner"), group=self.group, user_id=user.pk
        )
        return invitation

    def ban_call(self, user, who: str = "owner") -> Call:
        return Call(self.clients[who], "post", self.url("bans/"), {"user": user.pk, "reason": "x"})


# Membership: join requests, invitations, joins, leaves, roles and bans.


def approve_vs_ban(arena: Arena) -> Trial:
    user = arena.newcomer()
    request = arena.join_request(user)

    def state():
        return {**standing(arena.group, user), "request": _status(JoinRequest, request)}

    return Trial(
        Call(arena.clients["moderator"], "post", arena.url(f"join-requests/{request.pk}/approve/")),
        arena.ban_call(user),
        state,
        [
            ((200, 201), {"role": None, "banned": True, "request": "approved"}),  # approve, ban
            ((409, 201), {"role": None, "banned": True, "request": "denied"}),  # ban, approve
        ],
    )


def deny_vs_ban(arena: Arena) -> Trial:
    user = arena.newcomer()
    request = arena.join_request(user)

    def state():
        decided_by = JoinRequest.objects.get(pk=request.pk).decided_by_id
        return {
            **standing(arena.group, user),
            "request": _status(JoinRequest, request),
            "decided_by": decided_by,
        }

    denied = {"role": None, "banned": True, "request": "denied"}
    moderator, owner = arena.world.user("moderator").pk, arena.world.user("owner").pk
    return Trial(
        Call(arena.clients["moderator"], "post", arena.url(f"join-requests/{request.pk}/deny/")),
        arena.ban_call(user),
        state,
        [
            ((200, 201), {**denied, "decided_by": moderator}),  # deny, then ban
            ((409, 201), {**denied, "decided_by": owner}),  # ban (which denies it), then deny
        ],
    )


def approve_vs_deny(arena: Arena) -> Trial:
    user = arena.newcomer()
    request = arena.join_request(user)

    def state():
        return {**standing(arena.group, user), "request": _status(JoinRequest, request)}

    path = arena.url(f"join-requests/{request.pk}/")
    return Trial(
        Call(arena.clients["moderator"], "post", f"{path}approve/"),
        Call(arena.clients["admin"], "post", f"{path}deny/"),
        state,
        [
            ((200, 409), {"role": "member", "banned": False, "request": "approved"}),
            ((409, 200), {"role": None, "banned": False, "request": "denied"}),
        ],
    )


def secret_join_vs_revoke(arena: Arena) -> Trial:
    user = arena.newcomer()
    invitation = arena.invitation(user)

    def state():
        return {**standing(arena.group, user), "invitation": _status(Invitation, invitation)}

    return Trial(
        Call(api_client(user), "post", f"{API}/groups/{arena.group.pk}/join/"),
        Call(arena.clients["moderator"], "delete", arena.url(f"invitations/{invitation.pk}/")),
        state,
        [
            # Joined: the invitation is no longer pending.
            ((201, 404), {"role": "member", "banned": False, "invitation": "accepted"}),
            # Revoked: without an invitation the secret group does not exist for the joiner.
            ((404, 204), {"role": None, "banned": False, "invitation": "revoked"}),
        ],
    )


def secret_join_vs_decline(arena: Arena) -> Trial:
    user = arena.newcomer()
    invitation = arena.invitation(user)
    client, other_client = api_client(user), api_client(user)  # a client per thread

    def state():
        return {**standing(arena.group, user), "invitation": _status(Invitation, invitation)}

    return Trial(
        Call(client, "post", f"{API}/groups/{arena.group.pk}/join/"),
        Call(other_client, "delete", arena.url(f"invitations/{invitation.pk}/")),
        state,
        [
            # Joined: a member without a pending invitation may not touch others' invitations.
            ((201, 403), {"role": "member", "banned": False, "invitation": "accepted"}),
            ((404, 204), {"role": None, "banned": False, "invitation": "declined"}),
        ],
    )


def invite_vs_ban(arena: Arena) -> Trial:
    user = arena.newcomer()

    def state():
        return {
            **standing(arena.group, user),
            "invitations": sorted(
                Invitation.objects.filter(group=arena.group, user=user).values_list(
                    "status", flat=True
                )
            ),
        }

    return Trial(
        Call(arena.clients["moderator"], "post", arena.url("invitations/"), {"user": user.pk}),
        arena.ban_call(user),
        state,
        [
            ((201, 201), {"role": None, "banned": True, "invitations": ["revoked"]}),
            ((409, 201), {"role": None, "banned": True, "invitations": []}),
        ],
    )


def join_vs_ban(arena: Arena) -> Trial:
    user = arena.newcomer()
    return Trial(
        Call(api_client(user), "post", f"{API}/groups/{arena.group.pk}/join/"),
        arena.ban_call(user),
        lambda: standing(arena.group, user),
        [
            ((201, 201), {"role": None, "banned": True}),
            ((403, 201), {"role": None, "banned": True}),  # "You are banned from this group."
        ],
    )


def leave_vs_ban(arena: Arena) -> Trial:
    user = arena.member()
    return Trial(
        Call(api_client(user), "post", f"{API}/groups/{arena.group.pk}/leave/"),
        arena.ban_call(user),
        lambda: standing(arena.group, user),
        [
            ((204, 201), {"role": None, "banned": True}),
            ((404, 201), {"role": None, "banned": True}),  # no longer a member, nothing to leave
        ],
    )


def promote_vs_remove(arena: Arena) -> Trial:
    user = arena.member()
    return Trial(
        Call(arena.clients["owner"], "patch", arena.url(f"members/{user.pk}/"), {"role": "admin"}),
        Call(arena.clients["admin"], "delete", arena.url(f"members/{user.pk}/")),
        lambda: standing(arena.group, user),
        [
            ((200, 403), {"role": "admin", "banned": False}),  # an admin cannot remove an admin
            ((404, 204), {"role": None, "banned": False}),
        ],
    )


def promote_vs_ban(arena: Arena) -> Trial:
    user = arena.member()
    return Trial(
        Call(arena.clients["owner"], "patch", arena.url(f"members/{user.pk}/"), {"role": "admin"}),
        arena.ban_call(user, who="admin"),
        lambda: standing(arena.group, user),
        [
            ((200, 403), {"role": "admin", "banned": False}),  # an admin cannot ban an admin
            ((404, 201), {"role": None, "banned": True}),
        ],
    )


def ban_again_vs_unban(arena: Arena) -> Trial:
    user = arena.member()
    membership_ban(actor=arena.world.user("owner"), group=arena.group, user_id=user.pk)
    return Trial(
        arena.ban_call(user),
        Call(arena.clients["moderator"], "delete", arena.url(f"bans/{user.pk}/")),
        lambda: standing(arena.group, user),
        [
            ((201, 204), {"role": None, "banned": False}),  # banned again, then unbanned
            ((201, 204), {"role": None, "banned": True}),  # unbanned, then banned again
        ],
    )


# Content: posting, commenting and reacting, against bans and against each other.


def post_vs_ban(arena: Arena) -> Trial:
    user = arena.member()

    def state():
        return {**standing(arena.group, user), "posts": Post.objects.filter(author=user).count()}

    return Trial(
        Call(api_client(user), "post", arena.url("posts/"), {"body": "one last word"}),
        arena.ban_call(user),
        state,
        [
            ((201, 201), {"role": None, "banned": True, "posts": 1}),
            ((403, 201), {"role": None, "banned": True, "posts": 0}),
        ],
    )


def comment_vs_ban(arena: Arena) -> Trial:
    user = arena.member()
    post = make_post(group=arena.group, author=arena.world.user("member"))

    def state():
        return {
            **standing(arena.group, user),
            "comments": Comment.objects.filter(author=user).count(),
        }

    return Trial(
        Call(api_client(user), "post", f"{API}/posts/{post.pk}/comments/", {"body": "last"}),
        arena.ban_call(user),
        state,
        [
            ((201, 201), {"role": None, "banned": True, "comments": 1}),
            ((403, 201), {"role": None, "banned": True, "comments": 0}),
        ],
    )


def reaction_vs_ban(arena: Arena) -> Trial:
    user = arena.member()
    post = make_post(group=arena.group, author=arena.world.user("member"))

    def state():
        return {
            **standing(arena.group, user),
            "reactions": Reaction.objects.filter(user=user).count(),
        }

    return Trial(
        Call(api_client(user), "post", f"{API}/posts/{post.pk}/reactions/", {"kind": "like"}),
        arena.ban_call(user),
        state,
        [
            ((201, 201), {"role": None, "banned": True, "reactions": 1}),
            ((403, 201), {"role": None, "banned": True, "reactions": 0}),
        ],
    )


def comment_vs_react(arena: Arena) -> Trial:
    """One user comments on a post and reacts to it at once."""
    user = arena.world.user("member")
    post = make_post(group=arena.group, author=arena.world.user("admin"))
    client, other_client = arena.clients["member"], api_client(arena.world.user("member"))

    def state():
        return {
            "comments": Comment.objects.filter(post=post).count(),
            "reactions": Reaction.objects.filter(post=post, user=user).count(),
        }

    return Trial(
        Call(client, "post", f"{API}/posts/{post.pk}/comments/", {"body": "and a word"}),
        Call(other_client, "post", f"{API}/posts/{post.pk}/reactions/", {"kind": "love"}),
        state,
        [((201, 201), {"comments": 1, "reactions": 1})],
    )


def post_edit_vs_react(arena: Arena) -> Trial:
    """The author edits a post and reacts to it at once."""
    author = arena.world.user("member")
    post = make_post(group=arena.group, author=author)
    client, other_client = arena.clients["member"], api_client(arena.world.user("member"))

    def state():
        return {
            "body": Post.objects.get(pk=post.pk).body,
            "reactions": Reaction.objects.filter(post=post).count(),
        }

    return Trial(
        Call(client, "patch", f"{API}/posts/{post.pk}/", {"body": "edited"}),
        Call(other_client, "post", f"{API}/posts/{post.pk}/reactions/", {"kind": "like"}),
        state,
        [((200, 201), {"body": "edited", "reactions": 1})],
    )


def comment_edit_vs_react(arena: Arena) -> Trial:
    """The author edits a comment and reacts to it at once."""
    author = arena.world.user("member")
    post = make_post(group=arena.group, author=arena.world.user("admin"))
    comment = make_comment(post=post, author=author)
    client, other_client = arena.clients["member"], api_client(arena.world.user("member"))

    def state():
        return {
            "body": Comment.objects.get(pk=comment.pk).body,
            "reactions": Reaction.objects.filter(comment=comment).count(),
        }

    return Trial(
        Call(client, "patch", f"{API}/comments/{comment.pk}/", {"body": "edited"}),
        Call(other_client, "post", f"{API}/comments/{comment.pk}/reactions/", {"kind": "like"}),
        state,
        [((200, 201), {"body": "edited", "reactions": 1})],
    )


def lock_vs_comment_reaction(arena: Arena) -> Trial:
    """A moderator locks a post while a member reacts to one of its comments."""
    post = make_post(group=arena.group, author=arena.world.user("admin"))
    comment = make_comment(post=post, author=arena.world.user("admin"))

    def state():
        return {"reactions": Reaction.objects.filter(comment=comment).count()}

    return Trial(
        Call(arena.clients["moderator"], "post", f"{API}/posts/{post.pk}/lock/"),
        Call(arena.clients["member"], "post", f"{API}/comments/{comment.pk}/reactions/",
             {"kind": "wow"}),
        state,
        [((200, 409), {"reactions": 0}), ((200, 201), {"reactions": 1})],
    )  # fmt: skip


def _comment_state(comment: Comment) -> Callable[[], dict]:
    def state():
        row = Comment.objects.get(pk=comment.pk)
        return {
            "hidden": row.hidden_at is not None,
            "deleted": row.deleted_at is not None,
            "body": row.body,
        }

    return state


def hide_vs_comment_delete(arena: Arena) -> Trial:
    author = arena.member()
    post = make_post(group=arena.group, author=arena.world.user("admin"))
    comment = make_comment(post=post, author=author, body="rude")
    return Trial(
        Call(arena.clients["moderator"], "post", f"{API}/comments/{comment.pk}/hide/"),
        Call(api_client(author), "delete", f"{API}/comments/{comment.pk}/"),
        _comment_state(comment),
        [
            # Hidden first: the author no longer sees it (404), or had read it just before (204);
            # then the hide's answer reads the comment again, maybe once it is deleted (404).
            ((200, 404), {"hidden": True, "deleted": False, "body": "rude"}),
            ((200, 204), {"hidden": True, "deleted": True, "body": "rude"}),
            ((404, 204), {"hidden": True, "deleted": True, "body": "rude"}),
            # Deleted first.
            ((404, 204), {"hidden": False, "deleted": True, "body": "rude"}),
        ],
    )


def hide_vs_comment_edit(arena: Arena) -> Trial:
    author = arena.member()
    post = make_post(group=arena.group, author=arena.world.user("admin"))
    comment = make_comment(post=post, author=author, body="rude")
    return Trial(
        Call(arena.clients["moderator"], "post", f"{API}/comments/{comment.pk}/hide/"),
        Call(api_client(author), "patch", f"{API}/comments/{comment.pk}/", {"body": "sorry"}),
        _comment_state(comment),
        [
            # Hidden first: the author no longer sees it (404), or had read it just before (409).
            ((200, 404), {"hidden": True, "deleted": False, "body": "rude"}),
            ((200, 409), {"hidden": True, "deleted": False, "body": "rude"}),
            # Edited first; the edit's answer reads the comment again, maybe once it is hidden.
            ((200, 200), {"hidden": True, "deleted": False, "body": "sorry"}),
            ((200, 404), {"hidden": True, "deleted": False, "body": "sorry"}),
        ],
    )


def resolve_vs_post_delete(arena: Arena) -> Trial:
    author = arena.member()
    post = make_post(group=arena.group, author=author, body="spam")
    report, _ = report_create(reporter=arena.world.user("member"), post_id=post.pk, reason="spam")

    def state():
        row = Post.objects.get(pk=post.pk)
        report_row = Report.objects.get(pk=report.pk)
        return {
            "hidden": row.hidden_at is not None,
            "deleted": row.deleted_at is not None,
            "report": report_row.status,
            "content_hidden": report_row.content_hidden,
        }

    resolved = {"report": "resolved"}
    return Trial(
        Call(
            arena.clients["moderator"],
            "post",
            arena.url(f"reports/{report.pk}/resolve/"),
            {"hide_content": True},
        ),
        Call(api_client(author), "delete", f"{API}/posts/{post.pk}/"),
        state,
        [
            # Hidden first: the author no longer sees it (404), or had read it just before (204).
            ((200, 404), {"hidden": True, "deleted": False, "content_hidden": True, **resolved}),
            ((200, 204), {"hidden": True, "deleted": True, "content_hidden": True, **resolved}),
            # Deleted first: the report is resolved, and says it hid nothing.
            ((200, 204), {"hidden": False, "deleted": True, "content_hidden": False, **resolved}),
        ],
    )


def _status(model, row) -> str:
    return model.objects.values_list("status", flat=True).get(pk=row.pk)


PAIRS = {
    "approve || ban": (Visibility.PRIVATE, approve_vs_ban),
    "deny || ban": (Visibility.PRIVATE, deny_vs_ban),
    "approve || deny": (Visibility.PRIVATE, approve_vs_deny),
    "join secret || revoke": (Visibility.SECRET, secret_join_vs_revoke),
    "join secret || decline": (Visibility.SECRET, secret_join_vs_decline),
    "invite || ban": (Visibility.PRIVATE, invite_vs_ban),
    "join || ban": (Visibility.PUBLIC, join_vs_ban),
    "leave || ban": (Visibility.PUBLIC, leave_vs_ban),
    "change role || remove": (Visibility.PUBLIC, promote_vs_remove),
    "change role || ban": (Visibility.PUBLIC, promote_vs_ban),
    "ban || unban": (Visibility.PUBLIC, ban_again_vs_unban),
    "post || ban": (Visibility.PUBLIC, post_vs_ban),
    "comment || ban": (Visibility.PUBLIC, comment_vs_ban),
    "reaction || ban": (Visibility.PUBLIC, reaction_vs_ban),
    "comment || react (one user)": (Visibility.PUBLIC, comment_vs_react),
    "edit post || react (its author)": (Visibility.PUBLIC, post_edit_vs_react),
    "edit comment || react (its author)": (Visibility.PUBLIC, comment_edit_vs_react),
    "hide comment || author deletes": (Visibility.PUBLIC, hide_vs_comment_delete),
    "hide comment || author edits": (Visibility.PUBLIC, hide_vs_comment_edit),
    "resolve with hide || author deletes post": (Visibility.PUBLIC, resolve_vs_post_delete),
    "lock post || react to its comment": (Visibility.PUBLIC, lock_vs_comment_reaction),
}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_conflicting_actions_end_as_one_serial_order_would(pair):
    visibility, make_trial = PAIRS[pair]
    arena = Arena(visibility)
    problems = []
    for number in range(1, TRIALS + 1):
        trial = make_trial(arena)
        statuses = race(trial.first, trial.second)
        state = trial.state()
        if any(status >= 500 for status in statuses):
            problems.append(f"trial {number}: a server error, {statuses}")
        elif (statuses, state) not in trial.outcomes:
            problems.append(f"trial {number}: {statuses} {state} is no serial order's outcome")
        problems += [f"trial {number}: {problem}" for problem in consistency_problems(arena.world)]
    assert not problems, f"{pair}: {len(problems)} problems\n" + "\n".join(problems)
