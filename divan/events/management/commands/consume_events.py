"""`manage.py consume_events`: the events process, or one consumer by hand.

python manage.py consume_events --all              # every consumer, until SIGTERM or Ctrl-C
python manage.py consume_events search             # one consumer, until Ctrl-C
python manage.py consume_events search --until-idle # one consumer, until nothing is left to read
"""

import contextlib
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from divan.events.consumers import consumer_run, handler_for
from divan.events.process import consumers_run


class Command(BaseCommand):
    help = "Run the event consumers: all of them (the events process), or one in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="one consumer, as in EVENTS_CONSUMERS")
        parser.add_argument(
            "--all", action="store_true", help="every consumer in EVENTS_CONSUMERS, a thread each"
        )
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
        parser.add_argument(
            "--until-idle", action="store_true", help="stop when a read finds nothing new"
        )

    def handle(self, *args, name, all, seconds, until_idle, **options):
        if all == bool(name):
            raise CommandError("Name one consumer, or pass --all.")
        names = list(settings.EVENTS_CONSUMERS) if all else [name]
        for each in names:
            try:
                handler_for(each)
            except ValueError as error:
                raise CommandError(str(error)) from None
        if not settings.COMMUNITIES_WORKERS_ENABLED:
            self.stdout.write("COMMUNITIES_WORKERS_ENABLED is false: not consuming.")
            if all:  # the events process stays up, idle, rather than taking its stack down
                with _stop_on_signals() as stop:
                    stop.wait(seconds)
            return
        if all:
            with _stop_on_signals() as stop:
                if seconds is not None:
                    timer = threading.Timer(seconds, stop.set)
                    timer.daemon = True
                    timer.start()
                code = consumers_run(names, stop)
            if code:
                raise SystemExit(code)
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


@contextlib.contextmanager
def _stop_on_signals():
    """An event set by SIGTERM or SIGINT while inside; the old handlers come back after."""
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in signals}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
