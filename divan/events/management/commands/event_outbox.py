"""`manage.py event_outbox`: the events dispatch set aside, and sending them again.

python manage.py event_outbox                    # list the set-aside events and their errors
python manage.py event_outbox --retry-set-aside  # after a fix: make them due again
"""

from django.core.management.base import BaseCommand

from divan.events.dispatch import outbox_retry_set_aside
from divan.events.models import OutboxEvent


class Command(BaseCommand):
    help = "List the outbox events set aside after failing every dispatch, or retry them."

    def add_arguments(self, parser):
        parser.add_argument("--retry-set-aside", action="store_true")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, retry_set_aside, limit, **options):
        if retry_set_aside:
            self.stdout.write(f"{outbox_retry_set_aside()} event(s) due again.")
            return
        set_aside = OutboxEvent.objects.filter(set_aside_at__isnull=False).order_by("id")
        if not set_aside.exists():
            self.stdout.write("No set-aside events.")
        for event in set_aside[:limit]:
            self.stdout.write(
                f"{event.pk}  {event.type}  {event.event_id}  attempts {event.attempts}"
                f"  set aside {event.set_aside_at:%Y-%m-%d %H:%M:%S}  error: {event.last_error}"
            )
