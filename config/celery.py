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


_heartbeats: dict[str, object] = {}


@signals.worker_ready.connect
def _worker_heartbeat_start(**kwargs) -> None:
    """The worker's main process says it is alive (divan.processes) until it stops."""
    from divan.processes import WORKER, Heartbeat

    _heartbeats[WORKER] = Heartbeat(WORKER).start()


@signals.worker_shutdown.connect
def _worker_heartbeat_stop(**kwargs) -> None:
    from divan.processes import WORKER

    if (heartbeat := _heartbeats.pop(WORKER, None)) is not None:
        heartbeat.stop()


@signals.beat_init.connect
def _beat_heartbeat_start(**kwargs) -> None:
    """Beat says it is alive, and that it is gone when it exits."""
    import atexit

    from divan.processes import BEAT, Heartbeat

    heartbeat = _heartbeats[BEAT] = Heartbeat(BEAT).start()
    atexit.register(heartbeat.stop)
