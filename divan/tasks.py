"""Platform tasks."""

from celery import shared_task


@shared_task(name="divan.ping", acks_late=True)
def ping() -> str:
    """Proves the broker-worker-result path end to end; harmless to run twice."""
    return "pong"
