"""Queueing a Celery task by its stable name, so that a service never imports the tasks module
that imports it (services -> tasks -> services would be an import circle)."""

from celery import current_app
from celery.result import AsyncResult


def task_queue(name: str, *args) -> AsyncResult:
    """Queue the task registered as `name` (its `@shared_task(name=...)`) with these arguments,
    through the task itself: its options and CELERY_TASK_ALWAYS_EAGER apply as with `.delay()`.
    A process that has not imported that tasks module yet imports every app's now (Celery's
    autodiscovery); an unknown name is a KeyError, never a message that no worker takes."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name].delay(*args)
