"""The query layer's platform helpers: quoted table names, running a statement, and the insert
that draws a new row's id within itself.

Each app keeps its SQL in one module (`communities/queries.py`, `feeds/queries.py`,
`divan/events/queries.py`): module-level statements built once, at import, with `table()`;
a statement that comes in a few shapes is built by a cached function, once per shape. Services
and selectors run them by name with the functions below; no SQL text is built per request, but
for search's slots that take the ORM's SQL of the rows a viewer may read.
"""

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import CharField, Model, TextField


def table(model: type[Model]) -> str:
    """The model's table name, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def execute(sql: str, params: Sequence | dict = ()) -> int:
    """Run one statement; how many rows it changed (or returned)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch_one(sql: str, params: Sequence | dict = ()) -> tuple | None:
    """Run one statement that returns rows; its first row, None if none."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence | dict = ()) -> list[tuple]:
    """Run one statement that returns rows; all of them."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.cache
def _insert_with_new_id_sql(model: type[Model], derived: tuple[tuple[str, str], ...]):
    """The statement of `insert_with_new_id`, and the fields it takes values for, in order;
    built once per model and set of derived columns."""
    quote = connection.ops.quote_name
    pk, columns = model._meta.pk.column, dict(derived)
    fields = [field for field in model._meta.concrete_fields if field.column not in {pk, *columns}]
    names = ", ".join(quote(column) for column in (pk, *columns, *(f.column for f in fields)))
    # Each value cast to its column's type; strings to text, which the column checks for length.
    casts = [
        f"%s::{'text' if isinstance(field, CharField | TextField) else field.db_type(connection)}"
        for field in fields
    ]
    db_table = model._meta.db_table
    sql = (
        f"INSERT INTO {table(model)} ({names})"
        f" SELECT {', '.join(['new.id', *columns.values(), *casts])}"
        f" FROM (SELECT nextval(pg_get_serial_sequence('{db_table}', '{pk}')) AS id) AS new"
        f" RETURNING {quote(pk)}"
    )
    return sql, fields


def insert_with_new_id(row: Model, derived: dict[str, str], params: Sequence = ()) -> int:
    """Save a new row in one statement when some of its columns derive from its id (a post's
    sort_key, a comment's path): the id is drawn from its sequence in the INSERT itself, and
    each column in `derived` is an SQL expression of it (`new.id`, with `params` for the
    expressions' placeholders), where an UPDATE would otherwise have to follow the INSERT.
    Every other column gets the value Django would save. Returns the id, set on the row."""
    sql, fields = _insert_with_new_id_sql(type(row), tuple(derived.items()))
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    (row.pk,) = fetch_one(sql, [*params, *values])
    row._state.adding, row._state.db = False, connection.alias
    return row.pk
