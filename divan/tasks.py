"""Platform tasks."""

from celery import shared_task

# The mail tasks live with the mail backend (divan/mail.py); a worker imports the apps' tasks
# modules only, so this import is what registers divan.mail.deliver, sweep and purge there.
from divan import mail  # noqa: F401


@shared_task(name="divan.ping", acks_late=True)
def ping() -> str:
    """Proves the broker-worker-result path end to end; harmless to run twice."""
    return "pong"
