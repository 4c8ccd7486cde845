"""Queueing a task by its name: the registered task runs, and a wrong name fails loudly."""

import pytest

from config.celery import app
from divan.queueing import task_queue

QUEUED_BY_SERVICES = (
    "accounts.account_deletion_finish",
    "accounts.export_build",
    "communities.process_upload_image",
)


def test_a_name_queues_its_registered_task(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # what it queues runs here

    assert task_queue("divan.ping").get(timeout=5) == "pong"


def test_an_unknown_name_is_refused_rather_than_sent():
    with pytest.raises(KeyError):
        task_queue("divan.no_such_task")


def test_every_name_a_service_queues_is_a_task():
    app.loader.import_default_modules()

    assert set(QUEUED_BY_SERVICES) - set(app.tasks) == set()
