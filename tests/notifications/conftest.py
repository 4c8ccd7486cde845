"""Fixtures of the notification tests."""

import pytest

from notifications.metrics import stats_held_clear


@pytest.fixture(autouse=True)
def _notifications_consumer(settings):
    """The notifications consumer alone reads the stream; counts held go between tests."""
    settings.EVENTS_CONSUMERS = ["notifications"]
    yield
    stats_held_clear()
