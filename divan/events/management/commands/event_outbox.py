"""`manage.py event_outbox`: where the outbox stands, which processes run, and what to do by hand.

python manage.py event_outbox                    # pending events, processes, set-aside events
python manage.py event_outbox --dispatch         # send what is pending now, without a worker
python manage.py event_outbox --retry-set-aside  # after a fix: make set-aside events due again
"""

import redis
from django.core.management.base import BaseCommand, CommandError

from divan.events.dispatch import outbox_dispatch, outbox_retry_set_aside
from divan.events.models import OutboxEvent
from divan.events.selectors import outbox_status
from divan.processes import processes_status


class Command(BaseCommand):
    help = "Show the outbox and the background processes; dispatch by hand or retry set-asides."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dispatch", action="store_true", help="send every due event to the stream now"
        )
        parser.add_argument("--retry-set-aside", action="store_true")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, dispatch, retry_set_aside, limit, **options):
        if retry_set_aside:
            self.stdout.write(f"{outbox_retry_set_aside()} event(s) due again.")
            return
        if dispatch:
            try:
                self.stdout.write(f"Dispatched {outbox_dispatch()} event(s).")
            except redis.ConnectionError as error:
                raise CommandError(f"Redis cannot be reached: {error}") from None
        self._status()
        set_aside = OutboxEvent.objects.filter(set_aside_at__isnull=False).order_by("id")
        if not set_aside.exists():
            self.stdout.write("No set-aside events.")
        for event in set_aside[:limit]:
            self.stdout.write(
                f"{event.pk}  {event.type}  {event.event_id}  attempts {event.attempts}"
                f"  set aside {event.set_aside_at:%Y-%m-%d %H:%M:%S}  error: {event.last_error}"
            )

    def _status(self) -> None:
        outbox = outbox_status()
        line = f"Pending: {outbox.pending} event(s)"
        if outbox.pending:
            line += (
                f", the oldest {outbox.oldest_pending_age_seconds:.0f} s old,"
                f" {outbox.failing} with failed attempts"
            )
        self.stdout.write(line + ".")
        try:
            statuses = processes_status()
        except redis.RedisError as error:
            self.stdout.write(f"Processes: unknown, Redis cannot be reached ({error}).")
            return
        for status in statuses:
            self.stdout.write(f"{status.kind}: {status.state}")
        if outbox.pending and not all(status.alive for status in statuses):
            self.stdout.write(
                "Events wait for the absent process(es) above: start them (README, Running"
                " Divan), or send the outbox now with --dispatch."
            )
