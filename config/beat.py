"""The Celery beat schedule, built from the COMMUNITIES_WORKERS_ENABLED switch."""

from celery.schedules import crontab

COMMUNITIES_JOBS = {
    "communities.purge_expired_bans": {
        "task": "communities.purge_expired_bans",
        "schedule": crontab(minute="*/15"),
    },
    "events.trim": {"task": "events.trim", "schedule": 60.0},
    "feeds.fanout_sweep": {"task": "feeds.fanout_sweep", "schedule": 30.0},
    "feeds.rescore": {"task": "feeds.rescore", "schedule": crontab(minute="*/10")},
    "feeds.purge": {"task": "feeds.purge", "schedule": crontab(minute=37)},
    "communities.cleanup_uploads": {
        "task": "communities.cleanup_uploads",
        "schedule": crontab(minute="*/10"),
    },
    "events.purge": {"task": "events.purge", "schedule": crontab(minute=7)},
    "notifications.chunk_sweep": {"task": "notifications.chunk_sweep", "schedule": 30.0},
}


def notifications_jobs(*, mail_sweep_seconds: float) -> dict:
    """Prompt mail every few seconds (each mail waits for its rows' delay anyway), digests hourly,
    the purge of old notifications once a day."""
    return {
        "notifications.mail_prompt": {
            "task": "notifications.mail_prompt",
            "schedule": mail_sweep_seconds,
        },
        "notifications.mail_digest": {
            "task": "notifications.mail_digest",
            "schedule": crontab(minute=17),
        },
        "notifications.purge": {
            "task": "notifications.purge",
            "schedule": crontab(hour=3, minute=41),
        },
    }


def events_jobs(*, dispatch_seconds: float) -> dict:
    """Dispatch every few seconds: the safety net behind the kick after each commit. (The
    consumers are no jobs: they run in the events process, `manage.py consume_events --all`.)"""
    return {"events.dispatch": {"task": "events.dispatch", "schedule": dispatch_seconds}}


PLATFORM_JOBS = {
    "divan.ping": {"task": "divan.ping", "schedule": 60.0},
    "divan.mail.purge": {"task": "divan.mail.purge", "schedule": crontab(minute=23)},
    # exports to build again and archives past their expiry, deletions to finish: a promise
    # made to a person (their archive is gone when we said), whatever the switch says
    "accounts.sweep": {"task": "accounts.sweep", "schedule": 60.0},
}


def beat_schedule(
    *,
    communities_workers_enabled: bool,
    dispatch_seconds: float = 2.0,
    mail_sweep_seconds: float = 5.0,
    notifications_mail_sweep_seconds: float = 30.0,
) -> dict:
    """Platform jobs always run (mail among them: a sign-up's link must go out whatever the
    switch says); the communities and events jobs only while the switch is on."""
    schedule = dict(PLATFORM_JOBS)
    schedule["divan.mail.sweep"] = {"task": "divan.mail.sweep", "schedule": mail_sweep_seconds}
    if communities_workers_enabled:
        schedule.update(COMMUNITIES_JOBS)
        schedule.update(events_jobs(dispatch_seconds=dispatch_seconds))
        schedule.update(notifications_jobs(mail_sweep_seconds=notifications_mail_sweep_seconds))
    return schedule
