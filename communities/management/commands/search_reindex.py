"""Recompute the search vector of every post and comment: after SEARCH_CONFIG changes, or to
index what was written before search existed. Safe to run at any time, and again."""

from django.core.management.base import BaseCommand, CommandError

from communities.services.search import search_reindex_all


class Command(BaseCommand):
    help = "Recompute every post's and comment's search vector, one UPDATE per range of ids."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="Ids per UPDATE.")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(kind: str, done_id: int, last_id: int, changed: int) -> None:
            self.stdout.write(f"{kind}s: ids up to {done_id} of {last_id}, {changed} changed")

        changed = search_reindex_all(batch_size=batch_size, progress=progress)
        self.stdout.write(
            f"Done; vectors changed: posts {changed['post']}, comments {changed['comment']}."
        )
