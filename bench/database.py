"""The bench's databases: the seeded template, the scratch copies the rounds measure, VACUUM and
ANALYZE, and the check that every stored counter equals a fresh count.

The seed lives in `<name>_seed` (name: BENCH_DATABASE_URL's database), written once through
the services and kept while it is complete and current (bench.seed's marker). Each round
measures a fresh copy of it, `CREATE DATABASE <name> TEMPLATE <name>_seed`: a second or two
instead of minutes of seeding, and every round reads the same rows, whatever the writes of the
rounds before (the post-create model alone adds thousands of posts a round). BENCH_RESEED=1
drops both and seeds again.
"""

import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from psycopg import sql

from bench import seed as bench_seed
from bench.errors import BenchError
from communities.models import Comment, Group, Membership, Post, PostTag, Reaction, TagCount
from communities.rules import LIVE_COMMENT, NOT_DELETED, NOT_HIDDEN
from divan.models import User


class DatabaseError(BenchError):
    """The scratch databases cannot be prepared or checked."""


def _admin() -> psycopg.Connection:
    """A connection to the server's `postgres` database, for CREATE and DROP DATABASE."""
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        connect_timeout=5,
        autocommit=True,
    )


def _exists(admin: psycopg.Connection, name: str) -> bool:
    return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _drop(admin: psycopg.Connection, name: str) -> None:
    # FORCE ends sessions left on this scratch database (a gunicorn of an interrupted run).
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def using(name: str) -> Iterator[None]:
    """Point Django's default connection (and settings.DATABASES, the same dict) at `name`."""
    database = connections["default"].settings_dict
    if database is not settings.DATABASES["default"]:
        raise DatabaseError("the default connection's settings are not settings.DATABASES'")
    previous = database["NAME"]
    connections["default"].close()
    database["NAME"] = name
    try:
        yield
    finally:
        connections["default"].close()
        database["NAME"] = previous


def vacuum(*, analyze: bool) -> float:
    """VACUUM the database, and ANALYZE it too if asked; the seconds it took. Autovacuum is off
    on this machine: without a VACUUM the dead row versions of the hot post and of its author
    pile up from one write benchmark to the next, and each write figure would pay for the
    writes measured before it (the reactions model ran at 130 tps after a few runs, and at
    420 right after a VACUUM)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if analyze else "VACUUM")
    return time.perf_counter() - started


def prepare(*, reseed: bool) -> tuple[bench_seed.Seed, bool]:
    """Make sure the seed database holds a complete seed (writing it when it does not), then copy
    it to the scratch database of this run, migrated. The seed, and whether it was written now."""
    name = settings.DATABASES["default"]["NAME"]
    seed_name = f"{name}_seed"
    with _admin() as admin:
        if reseed:
            _drop(admin, name)
            _drop(admin, seed_name)
    with using(seed_name):
        call_command("ensure_db", stdout=io.StringIO())
        call_command("migrate", verbosity=0, interactive=False)
        seed = bench_seed.seed_load()
    written = False
    if seed is None:
        print(f"  seeding {seed_name} through the services (once; BENCH_RESEED=1 redoes it)")
        with _admin() as admin:  # start clean: an interrupted seed leaves half a data set
            _drop(admin, seed_name)
        with using(seed_name):
            call_command("ensure_db", stdout=io.StringIO())
            call_command("migrate", verbosity=0, interactive=False)
            seed = bench_seed.seed_write()
            vacuum(analyze=True)
        written = True
    copy()
    call_command("migrate", verbosity=0, interactive=False)
    return seed, written


def copy() -> float:
    """(Re)create the scratch database as a copy of the seed, analyzed; the seconds it took.
    Sessions still on it (gunicorn's persistent connections) are ended: Django's connection
    health checks open new ones on their next request."""
    started = time.perf_counter()
    name = settings.DATABASES["default"]["NAME"]
    connections["default"].close()
    with _admin() as admin:
        _drop(admin, name)
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(f"{name}_seed")
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def counters_mismatches(*, hot_post_id: int) -> list[str]:
    """Every stored counter the benchmarks move, against a fresh COUNT(*): the hot post's
    reactions (in all and per kind), every post's reactions_count and comments_count, every
    group's member_count, every user's reputation, every group's tag counts. One line per
    mismatch."""
    post, reaction, comment = _table(Post), _table(Reaction), _table(Comment)
    group, membership, user = _table(Group), _table(Membership), _table(User)
    post_tag, tag_count = _table(PostTag), _table(TagCount)
    mismatches = []

    ((stored_total, stored_kinds),) = _rows(
        f"SELECT reactions_count, reaction_counts FROM {post} WHERE id = %s", [hot_post_id]
    )
    if isinstance(stored_kinds, str):
        stored_kinds = json.loads(stored_kinds)
    counted = dict(
        _rows(
            f"SELECT kind, count(*) FROM {reaction} WHERE post_id = %s GROUP BY kind", [hot_post_id]
        )
    )
    if stored_total != sum(counted.values()):
        mismatches.append(
            f"hot post {hot_post_id}: reactions_count {stored_total}, rows {sum(counted.values())}"
        )
    for kind in sorted(set(stored_kinds) | set(counted)):
        if stored_kinds.get(kind, 0) != counted.get(kind, 0):
            mismatches.append(
                f"hot post {hot_post_id}: reaction_counts[{kind}] {stored_kinds.get(kind, 0)},"
                f" rows {counted.get(kind, 0)}"
            )

    for post_id, stored, count in _rows(
        f"SELECT p.id, p.reactions_count, count(r.id) FROM {post} p"
        f" LEFT JOIN {reaction} r ON r.post_id = p.id"
        " GROUP BY p.id HAVING p.reactions_count <> count(r.id) ORDER BY p.id"
    ):
        mismatches.append(f"post {post_id}: reactions_count {stored}, rows {count}")
    for post_id, stored, count in _rows(
        f"SELECT p.id, p.comments_count, count(c.id) FROM {post} p"
        f" LEFT JOIN {comment} c ON c.post_id = p.id"
        f" AND {LIVE_COMMENT.sql('c')}"
        " GROUP BY p.id HAVING p.comments_count <> count(c.id) ORDER BY p.id"
    ):
        mismatches.append(f"post {post_id}: comments_count {stored}, live comments {count}")
    for group_id, stored, count in _rows(
        f"SELECT g.id, g.member_count, count(m.id) FROM {group} g"
        f" LEFT JOIN {membership} m ON m.group_id = g.id"
        " GROUP BY g.id HAVING g.member_count <> count(m.id) ORDER BY g.id"
    ):
        mismatches.append(f"group {group_id}: member_count {stored}, memberships {count}")
    for user_id, stored, count in _rows(
        f"""
        WITH received AS (
            SELECT p.author_id AS user_id FROM {reaction} r JOIN {post} p ON p.id = r.post_id
            WHERE r.user_id <> p.author_id
            UNION ALL
            SELECT c.author_id FROM {reaction} r JOIN {comment} c ON c.id = r.comment_id
            WHERE r.user_id <> c.author_id
        )
        SELECT u.id, u.reputation, count(received.user_id) FROM {user} u
        LEFT JOIN received ON received.user_id = u.id
        GROUP BY u.id HAVING u.reputation <> count(received.user_id) ORDER BY u.id
        """
    ):
        mismatches.append(f"user {user_id}: reputation {stored}, reactions from others {count}")
    for group_id, tag_id, stored, counted in _rows(
        f"""
        WITH counted AS (
            SELECT p.group_id, link.tag_id,
                   count(*) FILTER (WHERE {NOT_HIDDEN.sql("p")}) AS shown,
                   count(*) FILTER (WHERE {NOT_HIDDEN.sql_not("p")}) AS hidden
            FROM {post_tag} link JOIN {post} p ON p.id = link.post_id
            WHERE {NOT_DELETED.sql("p")} GROUP BY p.group_id, link.tag_id
        )
        SELECT coalesce(s.group_id, c.group_id), coalesce(s.tag_id, c.tag_id),
               ARRAY[coalesce(s.shown_posts, 0), coalesce(s.hidden_posts, 0)],
               ARRAY[coalesce(c.shown, 0), coalesce(c.hidden, 0)]
        FROM {tag_count} s FULL JOIN counted c ON c.group_id = s.group_id AND c.tag_id = s.tag_id
        WHERE coalesce(s.shown_posts, 0) <> coalesce(c.shown, 0)
           OR coalesce(s.hidden_posts, 0) <> coalesce(c.hidden, 0)
        ORDER BY 1, 2
        """
    ):
        mismatches.append(
            f"group {group_id} tag {tag_id}: (shown, hidden) stored {stored}, posts {counted}"
        )
    return mismatches
