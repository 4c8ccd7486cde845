"""Fixtures of the event tests."""

import pytest
from django.db import connection

from tests.events.tally import TABLE


@pytest.fixture
def tally_table():
    """The table of the `tally` consumer (tests.events.tally), made and dropped per test."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, event_id uuid NOT NULL)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def tallied() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]
