"""Fixtures of the API tests beyond the shared worlds in tests/fixtures.py."""

import pytest

from communities.models import Visibility
from tests.fixtures import build_world


@pytest.fixture(params=[Visibility.PRIVATE, Visibility.SECRET])
def closed_world(request, db):
    """A world whose group takes invitations: private or secret."""
    return build_world(request.param)
