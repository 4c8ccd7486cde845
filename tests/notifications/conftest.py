"""Fixtures of the notification tests."""

import pytest

from notifications.metrics import STATS


@pytest.fixture(autouse=True)
def _notifications_consumer(settings):
    """The notifications consumer alone reads the stream; counts held go between tests."""
    settings.EVENTS_CONSUMERS = ["notifications"]
    yield
    STATS.clear_held()
