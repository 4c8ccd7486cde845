"""The bench's data set, written through Divan's services, and the marker that says it is whole.

One public group of MEMBERS members (its owner included) with POSTS tagged posts, 0 to 5
reactions each, and a THREAD_COMMENTS-comment thread nested up to COMMENT_MAX_DEPTH on one of
them; OTHER_GROUPS more groups of every visibility, READERS of the members belonging to 60 of
them; a token per member. Users are bulk-created rows (as bench/scenarios.py does): the
register service hashes a password per user, minutes for a thousand. Everything else goes
through communities.services and divan.services.users.token_issue, many calls to one
transaction (the services' own transactions become savepoints), so that a commit is not paid
per call.

The marker is a row in `bench_seed`, a table of the bench's own, written last: a database
without it (or with an older SEED_VERSION) holds no complete seed.
"""

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from communities.models import Group, Post, Visibility
from communities.services.comments import comment_create
from communities.services.groups import group_create
from communities.services.membership import (
    group_join,
    invitation_create,
    join_request_approve,
)
from communities.services.posts import post_create
from communities.services.reactions import reaction_add
from divan.models import User
from divan.services.users import token_issue

# Bump when the data set changes: an older seed is then rebuilt.
SEED_VERSION = 2
MEMBERS = 1000
POSTS = 5000
THREAD_COMMENTS = 300
OTHER_GROUPS = 200
HOSTS = 10  # owners of the other groups, not in the big group
READERS = 20  # members who also belong to READER_GROUPS of the other groups
READER_GROUPS = 60
MAX_REACTIONS_PER_POST = 5
# Each member's inbox: this many notifications about the big group's posts, all but the oldest
# NOTIFICATIONS_READ unread, more than the unread count's cap (100): its worst case.
NOTIFICATIONS = 150
NOTIFICATIONS_READ = 30
TAG_NAMES = ["news", "help", "events", "books", "music", "travel", "food", "tech"]
BATCH = 250  # service calls per transaction
MARKER_TABLE = "bench_seed"
_BODY = (
    "A post long enough to look like one: a question, some context, a link or two and a "
    "closing line. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."
)


@dataclass(frozen=True)
class Seed:
    """What the benchmarks need to know about the seeded data."""

    group_id: int
    hot_post_id: int  # the reactions benchmark's target, by the owner (no member is its author)
    thread_post_id: int
    owner_id: int
    member_id_min: int  # the members but the owner: one contiguous id range
    member_id_max: int
    reader_ids: list[int]
    seconds: float  # how long seeding took

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Seed":
        return cls(**json.loads(text))


def seed_load() -> Seed | None:
    """The seed this database holds, or None when it holds no complete one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT seed FROM {MARKER_TABLE} WHERE version = %s", [SEED_VERSION])
        row = cursor.fetchone()
    if row is None:
        return None
    return Seed.from_json(row[0] if isinstance(row[0], str) else json.dumps(row[0]))


def _mark(seed: Seed) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (version integer PRIMARY KEY, seed jsonb)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (version, seed) VALUES (%s, %s)",
            [SEED_VERSION, seed.to_json()],
        )


def _batched(calls: Iterable[Callable[[], object]], label: str, total: int) -> list:
    """Run the calls BATCH to a transaction; print progress now and then."""
    results = []
    started = time.perf_counter()
    batch: list[Callable[[], object]] = []

    def flush():
        with transaction.atomic():
            results.extend(call() for call in batch)
        batch.clear()

    for call in calls:
        batch.append(call)
        if len(batch) == BATCH:
            flush()
            if len(results) % (BATCH * 8) == 0:
                print(f"    {label}: {len(results)}/{total}", flush=True)
    if batch:
        flush()
    print(f"    {label}: {len(results)} in {time.perf_counter() - started:.1f} s", flush=True)
    return results


def _users(prefix: str, count: int) -> list[User]:
    password = make_password(None)  # unusable: these users sign in with their tokens
    User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{n:04d}",
                email=f"{prefix}{n:04d}@bench.example",
                password=password,
            )
            for n in range(count)
        ]
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("id"))


def _join_reader(*, reader: User, group: Group, host: User) -> None:
    """The reader becomes a member, the way each visibility allows."""
    if group.visibility == Visibility.PRIVATE:
        outcome = group_join(user=reader, group=group)
        join_request_approve(actor=host, group=group, request_id=outcome.join_request.pk)
        return
    if group.visibility == Visibility.SECRET:
        invitation_create(actor=host, group=group, user_id=reader.pk)
    group_join(user=reader, group=group)


def _notifications(*, group_id: int, actor_id: int, members: list[User]) -> None:
    """NOTIFICATIONS rows per member about the big group's posts, in one statement: the
    consumer writes them one event at a time, which would take the seed minutes."""
    from notifications.models import Notification

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH posts AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n FROM {Post._meta.db_table}
                WHERE group_id = %(group)s
            )
            INSERT INTO {Notification._meta.db_table} (recipient_id, type, group_key, group_id,
                post_id, actor_id, actor_ids, count, data, event_id, created_at, updated_at,
                read_at)
            SELECT u.id, (ARRAY['post_reply', 'mention', 'comment_reply'])[1 + p.n %% 3],
                'bench:' || p.n, %(group)s, p.id, %(actor)s, ARRAY[%(actor)s]::bigint[], 1,
                '{{}}'::jsonb, gen_random_uuid(), now() - p.n * interval '1 minute',
                now() - p.n * interval '1 minute',
                CASE WHEN p.n > %(unread)s THEN now() END
            FROM unnest(%(members)s::bigint[]) AS u(id)
            CROSS JOIN posts p WHERE p.n <= %(count)s
            """,
            {
                "group": group_id,
                "actor": actor_id,
                "members": [member.pk for member in members],
                "count": NOTIFICATIONS,
                "unread": NOTIFICATIONS - NOTIFICATIONS_READ,
            },
        )
        written = cursor.rowcount
    print(f"    notifications: {written} in {time.perf_counter() - started:.1f} s", flush=True)


def seed_write() -> Seed:
    """Write the whole data set into the (empty, migrated) database; mark it complete."""
    started = time.perf_counter()
    rng = random.Random(20_251_124)
    kinds = list(settings.REACTION_KINDS)
    # Creation order keeps the ids apart: hosts, the owner, then the members in one range.
    hosts = _users("bench-host-", HOSTS)
    (owner,) = _users("bench-owner-", 1)
    members = _users("bench-member-", MEMBERS - 1)
    if members[-1].pk - members[0].pk != len(members) - 1:
        raise RuntimeError("the members' ids are not one contiguous range")
    print(f"    users: {HOSTS + MEMBERS} created", flush=True)

    visibilities = [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET]
    others = _batched(
        (
            lambda n=n: group_create(
                creator=hosts[n % HOSTS],
                name=f"Bench group {n}",
                visibility=visibilities[n % 3],
                description=f"Group {n} of the bench: people who like {TAG_NAMES[n % 8]}.",
                tags=rng.sample(TAG_NAMES, n % 4),
            )
            for n in range(OTHER_GROUPS)
        ),
        "other groups",
        OTHER_GROUPS,
    )
    group = group_create(
        creator=owner,
        name="Bench town square",
        visibility=Visibility.PUBLIC,
        description="The big group of the bench.",
        tags=TAG_NAMES[:3],
    )
    _batched(
        (lambda user=user: group_join(user=user, group=group) for user in members),
        "members joining the big group",
        len(members),
    )
    readers = members[:READERS]
    reader_groups = [(n, g) for n, g in enumerate(others) if n % 10 < 3][:READER_GROUPS]
    _batched(
        (
            lambda reader=reader, n=n, g=g: _join_reader(
                reader=reader, group=g, host=hosts[n % HOSTS]
            )
            for reader in readers
            for n, g in reader_groups
        ),
        "readers joining other groups",
        len(readers) * len(reader_groups),
    )

    posts = _batched(
        (
            lambda n=n: post_create(
                author=owner if n == POSTS - 1 else members[n % len(members)],
                group=group,
                title=f"Bench post {n}",
                body=f"{_BODY} ({n})",
                tags=rng.sample(TAG_NAMES, rng.randint(1, 3)),
            )
            for n in range(POSTS)
        ),
        "posts",
        POSTS,
    )
    hot_post, thread_post = posts[-1], posts[-2]

    reactions = [
        (post, user, rng.choice(kinds))
        for post in posts
        for user in rng.sample(members, rng.randint(0, MAX_REACTIONS_PER_POST))
    ]
    _batched(
        (
            lambda post=post, user=user, kind=kind: reaction_add(user=user, kind=kind, post=post)
            for post, user, kind in reactions
        ),
        "reactions",
        len(reactions),
    )

    parents = [None]

    def comment(n: int):
        created = comment_create(
            author=members[n % len(members)],
            post=thread_post,
            body=f"Comment {n}: {_BODY[: 40 + n % 120]}",
            parent=parents[n % len(parents)],
        )
        if created.depth < settings.COMMENT_MAX_DEPTH:
            parents.append(created)
        return created

    _batched((lambda n=n: comment(n) for n in range(THREAD_COMMENTS)), "comments", THREAD_COMMENTS)
    _notifications(group_id=group.pk, actor_id=owner.pk, members=members)
    _batched(
        (lambda user=user: token_issue(user=user) for user in [owner, *members]),
        "tokens",
        MEMBERS,
    )

    seed = Seed(
        group_id=group.pk,
        hot_post_id=hot_post.pk,
        thread_post_id=thread_post.pk,
        owner_id=owner.pk,
        member_id_min=members[0].pk,
        member_id_max=members[-1].pk,
        reader_ids=[reader.pk for reader in readers],
        seconds=round(time.perf_counter() - started, 1),
    )
    if Post.objects.filter(group_id=group.pk).count() != POSTS:
        raise RuntimeError("the big group does not hold the posts just written")
    _mark(seed)
    return seed
