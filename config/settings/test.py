"""Tests: the real PostgreSQL and Redis, with Redis keys and Celery queues private to this run."""

import uuid

from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK, env

# One run (or one xdist worker) never sees another's Redis keys or Celery messages.
TEST_RUN_ID = uuid.uuid4().hex[:10]
REDIS_KEY_PREFIX = f"divan-test-{TEST_RUN_ID}"
CACHES["default"]["KEY_PREFIX"] = REDIS_KEY_PREFIX  # noqa: F405
CELERY_TASK_DEFAULT_QUEUE = f"divan-test-{TEST_RUN_ID}"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:"}
# A database of its own per run, so that two runs on one server never meet.
DATABASES["default"]["TEST"] = {"NAME": f"test_divan_{TEST_RUN_ID}"}  # noqa: F405

DIVAN_STARTUP_CHECKS = False  # the in-process test worker starts before the test database
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# /metrics as deployed, behind a token (tests.fixtures.metrics_scrape sends it); its figures read
# afresh at each scrape, as the tests that change them and scrape again expect. Access and the
# cache have their own tests (tests/divan/test_metrics.py).
METRICS_TOKEN = "divan-test-metrics-token"
METRICS_CACHE_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Throttling is exercised by its own tests with tight rates; elsewhere it stays out of the way.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON_RATE", default="100000/min"),
        "user": env("THROTTLE_USER_RATE", default="100000/min"),
        "writes": env("THROTTLE_WRITES_RATE", default="100000/min"),
        "feed_rebuild": env("THROTTLE_FEED_REBUILD_RATE", default="100000/min"),
        "export": env("THROTTLE_EXPORT_RATE", default="100000/min"),
        "account_delete": env("THROTTLE_ACCOUNT_DELETE_RATE", default="100000/min"),
    },
}

# Likewise the sign-up and sign-in limits (accounts.throttles): their tests set their own.
THROTTLE_SIGN_IN_RATE = env("THROTTLE_SIGN_IN_RATE", default="100000/min")
THROTTLE_SIGN_IN_USERNAME_RATE = env("THROTTLE_SIGN_IN_USERNAME_RATE", default="100000/min")
THROTTLE_SIGN_UP_RATE = env("THROTTLE_SIGN_UP_RATE", default="100000/min")
THROTTLE_PASSWORD_RESET_RATE = env("THROTTLE_PASSWORD_RESET_RATE", default="100000/min")
THROTTLE_PASSWORD_RESET_ADDRESS_RATE = env(
    "THROTTLE_PASSWORD_RESET_ADDRESS_RATE", default="100000/min"
)
THROTTLE_VERIFICATION_RATE = env("THROTTLE_VERIFICATION_RATE", default="100000/min")
THROTTLE_VERIFICATION_ADDRESS_RATE = env("THROTTLE_VERIFICATION_ADDRESS_RATE", default="100000/min")
THROTTLE_TWO_FACTOR_RATE = env("THROTTLE_TWO_FACTOR_RATE", default="100000/min")
THROTTLE_TWO_FACTOR_USER_RATE = env("THROTTLE_TWO_FACTOR_USER_RATE", default="100000/min")
THROTTLE_REAUTHENTICATE_RATE = env("THROTTLE_REAUTHENTICATE_RATE", default="100000/min")
THROTTLE_REAUTHENTICATE_USER_RATE = env("THROTTLE_REAUTHENTICATE_USER_RATE", default="100000/min")
