"""The COMMUNITIES_WORKERS_ENABLED switch, as the background tasks read it."""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def workers_disabled(task: str) -> bool:
    """True, with a line in the log, while the switch is off: the task is to do nothing."""
    if settings.COMMUNITIES_WORKERS_ENABLED:
        return False
    logger.info("%s: COMMUNITIES_WORKERS_ENABLED is false; doing nothing", task)
    return True
