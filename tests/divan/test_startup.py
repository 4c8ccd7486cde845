"""Commands that cannot reach a dependency say so in one line; settings from the env."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from config.beat import beat_schedule

ROOT = Path(__file__).resolve().parents[2]
DEAD = "127.0.0.1:1"  # nothing listens on port 1
# The running PostgreSQL's own database, there on any machine (unlike `divan` before `make run`).
EXISTING_DATABASE_URL = urlunsplit(
    urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/divan"))._replace(
        path="/postgres"
    )
)


def run(args: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """Run a command with the test's environment changed by `env` (None removes a variable)."""
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environ.update(env)
    environ = {k: v for k, v in environ.items() if v is not None}
    return subprocess.run(
        args, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], **env)


def test_unreachable_postgresql_is_one_line_naming_database_url():
    result = manage("migrate", DATABASE_URL=f"postgres://postgres@{DEAD}/divan")

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("divan: cannot reach PostgreSQL at 127.0.0.1:1/divan (")
    assert lines[0].endswith("): set DATABASE_URL.")


def test_missing_database_says_how_to_create_it():
    result = manage("runserver", DATABASE_URL="postgres://postgres@127.0.0.1:5432/divan_missing_db")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "divan: PostgreSQL at 127.0.0.1:5432/divan_missing_db has no such database: run "
        "`python manage.py ensure_db` or set DATABASE_URL."
    )


def test_unreachable_redis_is_one_line_naming_redis_url():
    result = manage(
        "seed_demo",
        DATABASE_URL=EXISTING_DATABASE_URL,  # PostgreSQL is checked first: it must pass
        REDIS_URL=f"redis://{DEAD}/0",
        CELERY_BROKER_URL=None,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("divan: cannot reach Redis at 127.0.0.1:1/0 (")
    assert lines[0].endswith("): set REDIS_URL.")


def test_celery_worker_with_unreachable_postgresql_exits_with_one_line():
    result = run(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=ERROR"],
        DATABASE_URL=f"postgres://postgres@{DEAD}/divan",
    )

    assert result.returncode != 0
    assert "divan: cannot reach PostgreSQL at 127.0.0.1:1/divan (" in result.stderr
    assert "set DATABASE_URL." in result.stderr
    assert "Traceback" not in result.stderr


def test_prod_settings_refuse_to_start_without_a_secret_key():
    code = "import django; django.setup()"
    result = run(
        [sys.executable, "-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_ALLOWED_HOSTS="divan.example",
    )

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set: production refuses to start without a secret key." in (
        result.stderr
    )


def test_prod_settings_start_with_a_secret_key():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = run(
        [sys.executable, "-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_ALLOWED_HOSTS="divan.example",
        DJANGO_SECRET_KEY="x" * 50,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        (
            "true",
            [
                "accounts.sweep",
                "communities.cleanup_uploads",
                "communities.purge_expired_bans",
                "divan.mail.purge",
                "divan.mail.sweep",
                "divan.ping",
                "events.dispatch",
                "events.purge",
                "events.trim",
                "feeds.fanout_sweep",
                "feeds.purge",
                "feeds.rescore",
                "notifications.chunk_sweep",
                "notifications.mail_digest",
                "notifications.mail_prompt",
                "notifications.purge",
            ],
        ),
        # mail and exports are no background jobs: each is a promise to one person
        ("false", ["accounts.sweep", "divan.mail.purge", "divan.mail.sweep", "divan.ping"]),
    ],
)
def test_workers_switch_decides_what_beat_schedules(switch, expected):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(sorted(settings.CELERY_BEAT_SCHEDULE)))"
    )
    result = run(
        [sys.executable, "-c", code],
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        COMMUNITIES_WORKERS_ENABLED=switch,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


def test_beat_schedule_names_only_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    schedule = beat_schedule(communities_workers_enabled=True)
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
