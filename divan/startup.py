"""Start-up check: a command that cannot reach PostgreSQL or Redis says so in one line."""

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections

from divan.health import check_broker, check_postgresql, check_redis


def _where(url_or_settings) -> str:
    if isinstance(url_or_settings, dict):
        host = url_or_settings.get("HOST") or "localhost"
        return f"{host}:{url_or_settings.get('PORT') or 5432}/{url_or_settings.get('NAME')}"
    url = urlsplit(url_or_settings)
    return f"{url.hostname}:{url.port}{url.path}"  # never the password


def service_problem() -> str | None:
    """The first unreachable dependency as one sentence naming the variable to set, or None."""
    database = settings.DATABASES["default"]
    try:
        check_postgresql()
    except Exception as error:  # noqa: BLE001
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        if "does not exist" in reason:
            return (
                f"PostgreSQL at {_where(database)} has no such database: run "
                "`python manage.py ensure_db` or set DATABASE_URL."
            )
        return f"cannot reach PostgreSQL at {_where(database)} ({reason}): set DATABASE_URL."
    finally:
        connections["default"].close()
    for name, check, variable, url in (
        ("Redis", check_redis, "REDIS_URL", settings.REDIS_URL),
        ("the Celery broker", check_broker, "CELERY_BROKER_URL", settings.CELERY_BROKER_URL),
    ):
        try:
            check()
        except Exception as error:  # noqa: BLE001
            reason = str(error).strip() or type(error).__name__
            return f"cannot reach {name} at {_where(url)} ({reason}): set {variable}."
    return None


def exit_unless_services_reachable() -> None:
    problem = service_problem()
    if problem:
        sys.stderr.write(f"divan: {problem}\n")
        sys.exit(2)
