"""`manage.py rebuild_feeds --user ID | --all`: rebuild feeds from scratch, with progress.

python manage.py rebuild_feeds --user 42    # and the posts its `top` ranks scored again
python manage.py rebuild_feeds --all        # every post scored again, then every active user

After a change of the ranking coefficients (FEED_SCORE_*), `--all` re-ranks everything.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from feeds.services import feed_rebuild, posts_rescore


class Command(BaseCommand):
    help = "Rebuild one user's feed, or every active user's, from the groups they belong to."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--user", type=int, metavar="ID")
        which.add_argument("--all", action="store_true")

    def handle(self, *args, user, all, **options):
        users = get_user_model().objects.filter(is_active=True)
        if user is not None:
            if not users.filter(pk=user).exists():
                raise CommandError(f"No active user has the id {user}.")
            ids = [user]
        else:
            ids = list(users.order_by("pk").values_list("pk", flat=True))
            changed = posts_rescore(progress=lambda done: self.stdout.write(f"scored {done} posts"))
            self.stdout.write(f"scores changed: {changed}")
        total = len(ids)
        rows = 0
        for done, user_id in enumerate(ids, start=1):
            rows += feed_rebuild(user_id=user_id, rescore=user is not None)
            if done == total or done % 100 == 0:
                self.stdout.write(
                    f"rebuilt {done}/{total} feeds ({100 * done // total}%), {rows} entries"
                )
