"""The Celery beat schedule, built from the COMMUNITIES_WORKERS_ENABLED switch."""

from celery.schedules import crontab

COMMUNITIES_JOBS = {
    "communities.purge_expired_bans": {
        "task": "communities.purge_expired_bans",
        "schedule": crontab(minute="*/15"),
    },
}

PLATFORM_JOBS = {
    "divan.ping": {"task": "divan.ping", "schedule": 60.0},
}


def beat_schedule(*, communities_workers_enabled: bool) -> dict:
    """Platform jobs always run; the communities jobs only while the switch is on."""
    schedule = dict(PLATFORM_JOBS)
    if communities_workers_enabled:
        schedule.update(COMMUNITIES_JOBS)
    return schedule
