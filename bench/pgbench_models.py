"""pgbench models of Divan's writes: the SQL the services run, captured at bench time and written
out as pgbench scripts (bench/pgbench/*.sql), so that the models follow the services as they
change.

Each service runs for real, in its own transaction as in a request, with a Django execute
wrapper recording every statement and its parameters; it runs twice, as two members (and, for
reactions, on two posts), so that the parameters naming the acting user, the post and the new
post are told apart from constants by differing between the runs. They become pgbench
variables (:uid, :hot, :p_id); the group and the kind, the same in both runs, become :gid and
:kind by their values; timestamps become now(); every other value stays as captured (the hot
post's author, whose reputation moves, the tags' ids). The statements run between BEGIN and
COMMIT, savepoints included, exactly as captured, with two changes that pgbench needs:

- reactions: the reaction's INSERT gets ON CONFLICT DO NOTHING, and both it and the DELETE
  report whether a row moved (`WITH moved AS (... RETURNING 1) SELECT count(*) ... \\gset`); the
  statements after them run only then (`\\if :moved`), as the service moves its counters only
  when a row really changed. (Where the service already decides in one statement, with ON
  CONFLICT or a WITH, that statement is kept as it is.)
- posts: the INSERT's RETURNING id is kept in :p_id (`\\gset p_`) for the statements after it.

A service whose SQL no longer has the expected shape (no INSERT into the reactions table, two
runs that differ in their statements) stops the bench with a ModelError saying what is
missing: update this module then.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.errors import BenchError
from communities.models import Group, Post, Reaction, Tag
from communities.services.posts import post_create
from communities.services.reactions import reaction_add, reaction_remove
from divan.models import User

SCRIPTS_DIR = Path(__file__).resolve().parent / "pgbench"
REACTIONS_SCRIPT = SCRIPTS_DIR / "reaction_add_remove.sql"
POST_CREATE_SCRIPT = SCRIPTS_DIR / "post_create.sql"
CAPTURE_TITLE = "A new post from the bench"
CAPTURE_BODY = "Written by the bench: a post of a few sentences. " * 6
CAPTURE_TAGS = ["news", "help"]  # two of the seed's tags, as the HTTP benchmark sends
_SENTINEL = "__bench_{}__"
_NOW = _SENTINEL.format("now")
_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)
_NOW_ARRAY = re.compile(rf"'\{{{_NOW}(?:,{_NOW})*\}}'")
_SAVEPOINT_NAME = re.compile(r'"s\d+_x(\d+)"')


class ModelError(BenchError):
    """The captured SQL does not have the shape this module turns into a pgbench script."""


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list | tuple | None
    in_transaction: bool


@dataclass(frozen=True)
class Models:
    """The scripts written, and the -D definitions each needs beside its own variables."""

    reactions: Path
    post_create: Path
    defines: dict[str, str]  # hot, gid, umin, umax


def capture(call: Callable[[], object]) -> tuple[object, list[Statement]]:
    """Run `call` (outside any transaction), recording every statement it executes."""
    if connection.in_atomic_block:
        raise ModelError("capture() must run outside a transaction, as a request does.")
    statements: list[Statement] = []

    def record(execute, sql, params, many, context):
        sql = _SAVEPOINT_NAME.sub(r'"s_x\1"', sql)  # named after the thread: not reproducible
        statements.append(Statement(sql, params, context["connection"].in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = call()
    return result, statements


@dataclass(frozen=True)
class Variables:
    """How parameters become pgbench variables. `varying`: (value in capture A, value in capture
    B) -> name, for what differs between the two captures (the user, the post); `fixed`: value ->
    name, for what both captures share (the group, the kind)."""

    varying: dict[tuple[object, object], str]
    fixed: dict[object, str]

    def names(self) -> set[str]:
        return {*self.varying.values(), *self.fixed.values()}


def _is_int(value) -> bool:
    """An int (psycopg's Int8 and the like too), not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def render(a: Statement, b: Statement, variables: Variables) -> str:
    """Statement `a` as SQL text, where a parameter differs from `b`'s as a `varying` pair does,
    or equals a `fixed` value, as that pgbench variable; datetimes as now(); the rest as
    captured. A parameter that differs in another way stays as in `a`."""
    if a.sql != b.sql or len(a.params or ()) != len(b.params or ()):
        raise ModelError(f"the two captures ran different SQL:\n{a.sql}\n{b.sql}")

    def swap(x, y):
        if isinstance(x, list | tuple) and isinstance(y, list | tuple) and len(x) == len(y):
            items = [swap(i, j) for i, j in zip(x, y, strict=True)]
            if any(isinstance(item, str) and item.startswith("__bench_") for item in items):
                items = [str(item) if _is_int(item) else item for item in items]
            return type(x)(items)
        if isinstance(x, datetime | date):
            return _NOW
        if _is_int(x) and _is_int(y):
            x, y = int(x), int(y)
        if type(x) is int or isinstance(x, str):
            name = variables.varying.get((x, y)) if x != y else variables.fixed.get(x)
            if name is not None:
                return _SENTINEL.format(name)
        return x

    params = [swap(x, y) for x, y in zip(a.params or (), b.params or (), strict=True)]
    text = connection.ops.compose_sql(a.sql, params) if params else a.sql
    text = text.replace(f"'{_NOW}'", "now()")
    # an array of timestamps (bulk_create's UNNEST): ARRAY[now(), ...], one per row
    text = _NOW_ARRAY.sub(lambda m: f"ARRAY[{', '.join(['now()'] * m[0].count(_NOW))}]", text)
    strings = {name for value, name in variables.fixed.items() if isinstance(value, str)}
    for name in variables.names():
        sentinel = _SENTINEL.format(name)
        # a string keeps its quotes (pgbench substitutes inside them), an int loses them; an
        # array's item ('{__bench_uid__}') stays in its array literal
        text = text.replace(f"'{sentinel}'", f"':{name}'" if name in strings else f":{name}")
        text = text.replace(sentinel, f":{name}")
    if "__bench_" in text:
        raise ModelError(f"a parameter could not be rendered: {text}")
    return text.strip().rstrip(";")


def _transaction_lines(a: list[Statement], b: list[Statement], variables: Variables) -> list[str]:
    """BEGIN; the statements; COMMIT (the service's one transaction)."""
    if len(a) != len(b):
        raise ModelError(
            "the two captures ran different SQL:\n"
            + "\n".join(s.sql for s in a)
            + "\n--\n"
            + "\n".join(s.sql for s in b)
        )
    if not a or not all(statement.in_transaction for statement in a):
        raise ModelError(
            "expected every statement of the service in its one transaction:\n"
            + "\n".join(s.sql for s in a)
        )
    return [
        "BEGIN;",
        *(f"{render(x, y, variables)};" for x, y in zip(a, b, strict=True)),
        "COMMIT;",
    ]


def _moved_lines(
    a: list[Statement],
    b: list[Statement],
    variables: Variables,
    *,
    pivot: re.Pattern,
    what: str,
) -> list[str]:
    """The service's transaction, with the statements after the pivot (the INSERT or DELETE of
    the reaction row) run only when the pivot moved a row."""
    lines = _transaction_lines(a, b, variables)
    body = lines[1:-1]
    index = next((n for n, line in enumerate(body) if pivot.search(line)), None)
    if index is None:
        raise ModelError(f"no {what} in the captured SQL:\n" + "\n".join(body))
    pivot_sql = body[index].rstrip(";")
    returning = _top_level_returning(pivot_sql)
    head = pivot_sql if returning is None else pivot_sql[:returning].rstrip()
    if head.upper().startswith("INSERT") and not re.search(r"\bON CONFLICT\b", head, re.I):
        head += " ON CONFLICT DO NOTHING"
    out = [
        "BEGIN;",
        *body[:index],
        "\\set moved 0",
        f"{head} RETURNING 1 AS moved \\aset",  # no row returned: :moved stays 0
    ]
    inside = False
    for line in body[index + 1 :]:
        if _SAVEPOINT.match(line):
            if inside:
                out.append("\\endif")
                inside = False
            out.append(line)
            continue
        if not inside:
            out.append("\\if :moved")
            inside = True
        out.append(line)
    if inside:
        out.append("\\endif")
    return [*out, "COMMIT;"]


def _top_level_returning(sql: str) -> int | None:
    """Where the statement's own RETURNING clause starts (not one in a WITH or a subquery)."""
    depth, quote, found = 0, None, None
    for match in re.finditer(r"['\"()]|\bRETURNING\b", sql, re.I):
        token = match[0]
        if quote is not None:
            quote = None if token == quote else quote
        elif token in "'\"":
            quote = token
        elif token in "()":
            depth += 1 if token == "(" else -1
        elif depth == 0:
            found = match.start()
    return found


def _table(model) -> str:
    return re.escape(connection.ops.quote_name(model._meta.db_table))


def _write(path: Path, header: str, lines: list[str]) -> None:
    comment = "".join(f"-- {line}\n".replace("-- \n", "--\n") for line in header.splitlines())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(comment + "\n".join(lines) + "\n")


_REACTIONS_HEADER = """\
pgbench model of reaction_add and reaction_remove (communities/services/reactions.py) on one
hot post. Generated by bench/pgbench_models.py from the SQL the services ran at bench time:
do not edit, `make bench` rewrites it.
Each client alternates: phase 0 adds a reaction of :kind by a random member :uid, phase 1
removes that same reaction, each in its own transaction, as two requests would. The counters
move only when the row moved (\\if :moved), as in the service; timestamps are now().
Variables (-D): hot, gid, umin, umax, kind, phase=0."""

_POST_CREATE_HEADER = """\
pgbench model of post_create (communities/services/posts.py): a random member :uid posts in
the group :gid with two tags. Generated by bench/pgbench_models.py from the SQL the service ran
at bench time: do not edit, `make bench` rewrites it. The new post's id is :p_id (\\gset);
timestamps are now(). Variables (-D): gid, umin, umax."""


def _free_members(*, post: Post, kind: str, member_id_min: int, member_id_max: int) -> list[User]:
    """Members, highest ids first, with no `kind` reaction on the post and not its author."""
    taken = Reaction.objects.filter(post=post, kind=kind).values_list("user_id", flat=True)
    return list(
        User.objects.filter(pk__range=(member_id_min, member_id_max))
        .exclude(pk__in=taken)
        .exclude(pk=post.author_id)
        .order_by("-pk")[:2]
    )


def _check_fixed(fixed: dict[object, str], *, unlike: set[int]) -> None:
    """A fixed value is recognized by equality: none may equal another id the SQL may carry."""
    for value, name in fixed.items():
        if type(value) is int and (value <= 1 or value in unlike):
            raise ModelError(f":{name} ({value}) could be mistaken for another parameter")


def generate(
    *, group_id: int, hot_post_id: int, other_post_id: int, member_id_min: int, member_id_max: int
) -> Models:
    """Capture the services' SQL on the seeded data and write the pgbench scripts.

    Each service runs twice, as two members (and the reactions on two posts), so that the
    parameters that name them are told apart from constants by differing between the two runs.
    The captures are real writes through the services: two reactions added and removed again,
    two posts."""
    kind = settings.REACTION_KINDS[0]
    group = Group.objects.get(pk=group_id)
    posts = [Post.objects.get(pk=hot_post_id), Post.objects.get(pk=other_post_id)]
    users = []
    for post in posts:
        free = _free_members(
            post=post, kind=kind, member_id_min=member_id_min, member_id_max=member_id_max
        )
        users.append(next((user for user in free if user not in users), None))
    if None in users:
        raise ModelError("no member is free to react to the posts of the capture")
    tag_ids = set(Tag.objects.values_list("pk", flat=True))
    fixed: dict[object, str] = {group_id: "gid", kind: "kind"}
    _check_fixed(fixed, unlike=tag_ids | {post.author_id for post in posts})
    variables = Variables(
        varying={
            (users[0].pk, users[1].pk): "uid",
            (posts[0].pk, posts[1].pk): "hot",
        },
        fixed=fixed,
    )

    added, removed = [], []
    for user, post in zip(users, posts, strict=True):
        (_, created), add_sql = capture(
            lambda u=user, p=post: reaction_add(user=u, kind=kind, post=p)
        )
        deleted, remove_sql = capture(
            lambda u=user, p=post: reaction_remove(user=u, kind=kind, post=p)
        )
        if not (created and deleted):
            raise ModelError("a captured reaction was not added and removed again")
        added.append(add_sql)
        removed.append(remove_sql)
    reaction_table = _table(Reaction)
    add_lines = _moved_lines(
        *added,
        variables,
        pivot=re.compile(rf"^INSERT INTO {reaction_table}", re.I),
        what="INSERT of the reaction",
    )
    remove_lines = _moved_lines(
        *removed,
        variables,
        pivot=re.compile(rf"^DELETE FROM {reaction_table}", re.I),
        what="DELETE of the reaction",
    )
    _write(
        REACTIONS_SCRIPT,
        _REACTIONS_HEADER,
        [
            "\\if :phase = 0",
            "\\set uid random(:umin, :umax)",
            *add_lines,
            "\\else",
            *remove_lines,
            "\\endif",
            "\\set phase 1 - :phase",
        ],
    )

    created_posts, created_sql = [], []
    for user in users:
        post, sql = capture(
            lambda u=user: post_create(
                author=u, group=group, title=CAPTURE_TITLE, body=CAPTURE_BODY, tags=CAPTURE_TAGS
            )
        )
        created_posts.append(post)
        created_sql.append(sql)
    post_variables = Variables(
        varying={
            (users[0].pk, users[1].pk): "uid",
            (created_posts[0].pk, created_posts[1].pk): "p_id",
        },
        fixed={group_id: "gid"},
    )
    lines = _transaction_lines(*created_sql, post_variables)
    insert = re.compile(rf"^INSERT INTO {_table(Post)}", re.I)
    index = next((n for n, line in enumerate(lines) if insert.search(line)), None)
    if index is None or _top_level_returning(lines[index]) is None:
        raise ModelError("no INSERT ... RETURNING of the post in the captured SQL")
    if any(":p_id" in line for line in lines[:index]):
        raise ModelError("the new post's id appears before its INSERT")
    lines[index] = lines[index].rstrip(";") + " \\gset p_"
    _write(POST_CREATE_SCRIPT, _POST_CREATE_HEADER, ["\\set uid random(:umin, :umax)", *lines])
    return Models(
        reactions=REACTIONS_SCRIPT,
        post_create=POST_CREATE_SCRIPT,
        defines={
            "hot": str(hot_post_id),
            "gid": str(group_id),
            "umin": str(member_id_min),
            "umax": str(member_id_max),
        },
    )
