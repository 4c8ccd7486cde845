"""gunicorn's settings in production (the image's CMD, docker-compose.prod.yml): from the
environment, so that one image fits any machine."""

import os

# inside a container: every interface, reached only by the hub over compose's network
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# sync workers, each one request at a time: about 2 per CPU, within PostgreSQL's connections
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
