"""Platform tasks."""

from celery import shared_task

# The mail tasks live with the backend that queues them; importing them here registers them with
# the worker (autodiscovery reads each app's tasks.py only), else a real worker refuses them.
from divan.mail import deliver, purge, sweep  # noqa: F401


@shared_task(name="divan.ping", acks_late=True)
def ping() -> str:
    """Proves the broker-worker-result path end to end; harmless to run twice."""
    return "pong"
