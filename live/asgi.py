"""The stream process's ASGI entry point: `uvicorn live.asgi:application` (see live/server.py).
Django is set up for its settings, its ORM and its Redis client; its request handling is not
used here."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django.setup()

from live.server import StreamApp  # noqa: E402 - Django is set up first

application = StreamApp()
