"""A real Celery worker, in this process, consuming this run's queue on the real Redis broker."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from communities.models import Ban
from communities.tasks import purge_expired_bans
from config.celery import app
from divan.tasks import ping
from tests.factories import UserFactory
from tests.fixtures import make_group


@pytest.fixture(scope="module")
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_a_worker_registers_every_scheduled_and_mail_task():
    """A fresh worker knows only what autodiscovery imports: each task beat sends, and the
    mail tasks, are registered there (beat sent divan.mail.sweep to workers that had none)."""
    script = (
        "from config.celery import app; app.loader.import_default_modules(); "
        "print('\\n'.join(sorted(app.tasks)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    registered = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    scheduled = {job["task"] for job in app.conf.beat_schedule.values()}
    expected = scheduled | {"divan.mail.deliver", "divan.mail.sweep", "divan.mail.purge"}
    assert expected - set(registered) == set()


def test_app_is_configured_for_json_and_time_limits():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit == 300
    assert app.conf.task_soft_time_limit == 240
    assert app.conf.task_acks_late is False
    assert app.conf.task_always_eager is False


def test_ping_goes_through_broker_worker_and_result_backend(worker):
    result = ping.delay()

    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"


@pytest.mark.django_db(transaction=True)
def test_purge_expired_bans_runs_on_the_worker_and_is_idempotent(worker):
    owner = UserFactory()
    group = make_group(owner=owner)
    expired_user, active_user = UserFactory(), UserFactory()
    now = timezone.now()
    Ban.objects.create(group=group, user=expired_user, expires_at=now - timedelta(minutes=1))
    Ban.objects.create(group=group, user=active_user, expires_at=now + timedelta(days=1))

    assert purge_expired_bans.delay().get(timeout=20) == 1
    assert purge_expired_bans.delay().get(timeout=20) == 0
    assert list(Ban.objects.values_list("user_id", flat=True)) == [active_user.pk]
