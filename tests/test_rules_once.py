"""Each rule stated once: the live rules only in communities/rules.py, SQL only in the query layer
(divan/sql.py and each app's queries.py). A restatement anywhere else fails here, so that the
debt cannot come back."""

import re
from pathlib import Path

import pytest
from django.db.models import Q

from communities.rules import LIVE_GROUP, LIVE_MEMBERSHIP, LIVE_POST, NOT_DELETED, NOT_HIDDEN

ROOT = Path(__file__).resolve().parents[1]
CODE = ("accounts", "bench", "communities", "config", "divan", "feeds", "notifications", "scripts")

# A live rule written out: in SQL, as an ORM lookup, or as a lookup's keyword.
RESTATED_RULE = re.compile(
    r"\b(deleted_at|hidden_at|archived_at)(\s+IS\s+(NOT\s+)?NULL|__isnull|=None\b)", re.IGNORECASE
)
# Running SQL or quoting a table's name by hand.
HAND_WRITTEN_SQL = re.compile(
    r"cursor\.execute|connection\.cursor|connections\[.*\]\.cursor|quote_name|_meta\.db_table"
)
QUERY_LAYER = {Path("divan/sql.py")}
# The bench measures PostgreSQL itself (raw views, pgbench models, scratch databases).
SQL_OUTSIDE_THE_APP = ("bench/",)


def _code_files():
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                yield relative, path.read_text()


def _hits(pattern: re.Pattern, *, allowed) -> list[str]:
    return [
        f"{relative}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for relative, text in _code_files()
        if not allowed(relative)
        for match in pattern.finditer(text)
    ]


def test_the_live_rules_are_written_only_in_communities_rules():
    rules = Path("communities/rules.py")
    assert _hits(RESTATED_RULE, allowed=lambda path: path == rules) == []


def test_sql_runs_and_tables_are_named_only_in_the_query_layer():
    def allowed(path: Path) -> bool:
        return path in QUERY_LAYER or str(path).startswith(SQL_OUTSIDE_THE_APP)

    assert _hits(HAND_WRITTEN_SQL, allowed=allowed) == []


@pytest.mark.parametrize(
    ("rule", "prefix", "alias", "q", "sql"),
    [
        (NOT_DELETED, "", "", Q(deleted_at__isnull=True), "deleted_at IS NULL"),
        (
            LIVE_POST,
            "post__",
            "p",
            Q(post__deleted_at__isnull=True, post__hidden_at__isnull=True),
            "p.deleted_at IS NULL AND p.hidden_at IS NULL",
        ),
        (LIVE_GROUP, "group__", "g", Q(group__archived_at__isnull=True), "g.archived_at IS NULL"),
        (LIVE_MEMBERSHIP, "", "g", Q(group__archived_at__isnull=True), "g.archived_at IS NULL"),
    ],
)
def test_each_form_of_a_rule_derives_from_its_one_definition(rule, prefix, alias, q, sql):
    assert rule.q(prefix) == q
    assert rule.sql(alias) == sql


def test_a_rule_checks_a_loaded_row_and_states_its_negation():
    class Row:
        deleted_at, hidden_at = None, "then"

    assert NOT_DELETED.holds(Row) and not LIVE_POST.holds(Row) and not NOT_HIDDEN.holds(Row)
    assert LIVE_POST.q_not() == Q(deleted_at__isnull=False) | Q(hidden_at__isnull=False)
    assert LIVE_POST.sql_not("p") == "p.deleted_at IS NOT NULL OR p.hidden_at IS NOT NULL"
