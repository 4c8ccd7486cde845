"""`manage.py event_dead_letters`: list the events consumers set aside, and replay them.

python manage.py event_dead_letters                  # list them (all consumers)
python manage.py event_dead_letters --consumer search
python manage.py event_dead_letters --replay ID      # apply one again, once in effect
python manage.py event_dead_letters --replay-all [--consumer search]
"""

from django.core.management.base import BaseCommand, CommandError

from divan.events.consumers import dead_letter_replay, dead_letters


class Command(BaseCommand):
    help = "List dead-lettered events, or replay them with their consumer."

    def add_arguments(self, parser):
        parser.add_argument("--consumer", default=None)
        parser.add_argument("--replay", metavar="ID", default=None)
        parser.add_argument("--replay-all", action="store_true")
        parser.add_argument("--limit", type=int, default=100)

    def handle(self, *args, consumer, replay, replay_all, limit, **options):
        if replay:
            self._replay([replay])
            return
        letters = dead_letters(consumer=consumer, count=limit)
        if replay_all:
            self._replay([entry_id for entry_id, _ in letters])
            return
        if not letters:
            self.stdout.write("No dead letters.")
        for entry_id, fields in letters:
            self.stdout.write(
                f"{entry_id}  {fields['consumer']}  {fields['type']}  event {fields['event_id']}"
                f"  deliveries {fields['deliveries']}  error: {fields.get('error', '')}"
            )

    def _replay(self, entry_ids: list[str]) -> None:
        for entry_id in entry_ids:
            try:
                applied = dead_letter_replay(entry_id)
            except ValueError as error:
                raise CommandError(str(error)) from None
            except Exception as error:  # say which failed; it stays a dead letter
                raise CommandError(f"{entry_id} failed again: {error}") from error
            state = "applied" if applied else "had been applied already"
            self.stdout.write(f"{entry_id}: {state}; removed from the dead letters")
