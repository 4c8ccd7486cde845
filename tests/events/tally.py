"""A consumer whose effect is not idempotent: each application inserts one more row. Worker
processes started by the tests load it (EVENTS_CONSUMER_MODULES), so that an event applied twice
shows as two rows. The tests create and drop its table."""

import time

from django.db import connection

from divan.events.consumers import Event, consumer

TABLE = "events_test_tally"


@consumer("tally")
def tally(event: Event) -> None:
    time.sleep(0.005)  # slow enough that a kill lands in the middle of a batch
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (event_id) VALUES (%s)", [event.event_id])
