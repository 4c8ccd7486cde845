"""Liveness and readiness: /healthz says the process answers, /readyz checks its dependencies
and names any background process (worker, beat, a consumer) that is absent or stale."""

from collections.abc import Callable

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from divan.mail import mail_queue_status
from divan.processes import processes_status
from divan.redis import get_redis
from divan.sql import fetch_one


def check_postgresql() -> None:
    fetch_one("SELECT 1")


def check_redis() -> None:
    get_redis().ping()


def check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as connection:
        connection.ensure_connection(max_retries=1)


CHECKS: dict[str, Callable[[], None]] = {
    "postgresql": check_postgresql,
    "redis": check_redis,
    "broker": check_broker,
}


def run_checks() -> dict[str, str]:
    """Each dependency's state: "ok", or the error that reaching it raised."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"error: {type(error).__name__}: {error}".strip()
        else:
            results[name] = "ok"
    return results


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def background_checks() -> dict[str, str]:
    """Each background process (worker, beat, consumer:<name>): "ok", or why it is absent."""
    try:
        return {status.kind: status.state for status in processes_status()}
    except Exception as error:  # noqa: BLE001 - Redis down: its own check says so
        return {"processes": f"unknown: {type(error).__name__}: {error}"}


@never_cache
def readyz(request):
    """503 when this web process cannot serve (PostgreSQL, Redis, the broker). A background
    process absent or stale is "degraded" with a 200: the API still answers and the outbox
    keeps every event, so a load balancer should keep sending requests; alerts page on it."""
    checks = run_checks()
    ready = all(state == "ok" for state in checks.values())
    # heartbeats live in Redis: with it down, its own check says so, and waiting again is moot
    background = background_checks() if checks["redis"] == "ok" else {}
    mail = mail_check() if checks["postgresql"] == "ok" else {}
    if not ready:
        status = "unavailable"
    elif all(state == "ok" for state in background.values()) and mail.get("state") == "ok":
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse(
        {"status": status, "checks": checks, "processes": background, "mail": mail},
        status=200 if ready else 503,
    )


def mail_check() -> dict:
    """The mail queue, and its state: "ok", or "stalled" when a mail has waited longer than
    MAIL_STALE_SECONDS (the mail server is down or refusing, or no worker sends)."""
    status = mail_queue_status()
    stalled = status["oldest_queued_seconds"] > settings.MAIL_STALE_SECONDS
    return {"state": "stalled" if stalled else "ok", **status}
