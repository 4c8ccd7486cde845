"""The Celery application: settings come from Django's, namespaced CELERY_."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("divan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _check_services_on_start(**kwargs) -> None:
    """A worker or beat that cannot reach PostgreSQL or Redis says so in one line and exits."""
    from django.conf import settings

    from divan.startup import exit_unless_services_reachable

    if settings.DIVAN_STARTUP_CHECKS:
        exit_unless_services_reachable()
