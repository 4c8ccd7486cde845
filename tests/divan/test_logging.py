"""What Celery logs (config/settings/base.py, LOGGING): each task sent, received and succeeded
stays out of the log at the default CELERY_TASK_LOG_LEVEL (WARNING), also under a worker started
with --loglevel=INFO, while a task's failure is still logged."""

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from divan.tasks import ping
from tests.divan.test_metrics import ROOT

TASK_LOGGERS = ("celery.beat", "celery.app.trace", "celery.worker.strategy")


@app.task(name="tests.divan.fails")
def fails() -> None:
    raise RuntimeError("this task fails")


@pytest.fixture(scope="module")
def worker():
    """A worker set up as `celery -A config worker --loglevel=INFO` sets up its logging."""
    with start_worker(
        app, pool="solo", loglevel="INFO", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def test_a_worker_at_info_leaves_the_task_loggers_at_warning(worker):
    assert logging.getLogger().level == logging.INFO  # what --loglevel sets
    assert {name: logging.getLogger(name).getEffectiveLevel() for name in TASK_LOGGERS} == {
        name: logging.WARNING for name in TASK_LOGGERS
    }


# The effective level of each logger named in argv, once Django and then Celery set logging up.
LEVELS = """
import json, logging, sys, django
django.setup()
from config.celery import app
app.log.setup(loglevel="INFO")  # as `celery worker --loglevel=INFO` and `celery beat` do
print(json.dumps({name: logging.getLogger(name).getEffectiveLevel() for name in sys.argv[1:]}))
"""


@pytest.mark.parametrize(
    ("value", "level"), [(None, logging.WARNING), ("INFO", logging.INFO), ("ERROR", logging.ERROR)]
)
def test_celery_task_log_level_sets_the_task_loggers(value, level):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    environment.pop("CELERY_TASK_LOG_LEVEL", None)
    if value is not None:
        environment["CELERY_TASK_LOG_LEVEL"] = value

    result = subprocess.run(
        [sys.executable, "-c", LEVELS, *TASK_LOGGERS], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip

    assert json.loads(result.stdout.splitlines()[-1]) == {name: level for name in TASK_LOGGERS}


def test_a_failing_task_is_logged_and_a_passing_one_is_not(worker, caplog):
    assert ping.delay().get(timeout=20) == "pong"
    failed = fails.delay()
    with pytest.raises(RuntimeError, match="this task fails"):
        failed.get(timeout=20)

    def errors() -> list[logging.LogRecord]:
        return [
            record
            for record in caplog.records
            if record.name == "celery.app.trace" and failed.id in record.getMessage()
        ]

    deadline = time.monotonic() + 20  # the worker logs the failure after storing its result
    while not errors() and time.monotonic() < deadline:
        time.sleep(0.05)
    (error,) = errors()
    assert error.levelno == logging.ERROR
    assert "tests.divan.fails" in error.getMessage() and "this task fails" in error.getMessage()
    quiet = [
        (record.name, record.getMessage())
        for record in caplog.records
        if record.name in TASK_LOGGERS and record.levelno < logging.WARNING
    ]
    assert quiet == []
