"""`manage.py consume_events NAME`: run one consumer in the foreground, as the Celery task does.

python manage.py consume_events search              # until Ctrl-C
python manage.py consume_events search --until-idle # until nothing is left to read
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from divan.events.consumers import consumer_run, handler_for


class Command(BaseCommand):
    help = "Run an event consumer (search, ...) in the foreground, holding its lock."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the consumer, as in EVENTS_CONSUMERS")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
        parser.add_argument(
            "--until-idle", action="store_true", help="stop when a read finds nothing new"
        )

    def handle(self, *args, name, seconds, until_idle, **options):
        try:
            handler_for(name)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not settings.COMMUNITIES_WORKERS_ENABLED:
            self.stdout.write("COMMUNITIES_WORKERS_ENABLED is false: not consuming.")
            return
        report = consumer_run(
            name, seconds=seconds if seconds is not None else float("inf"), until_idle=until_idle
        )
        if report is None:
            raise CommandError(f"Another run of {name} holds its lock; try again later.")
        self.stdout.write(
            f"{name}: applied {report.applied}, duplicates {report.duplicates},"
            f" failed {report.failed}, dead letters {report.dead_lettered}"
        )
