"""The bench server's settings: production's, with the raw views beside Divan's URLs, so that
Divan's endpoints and this machine's limits are served by the same gunicorn processes."""

from config.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
