"""Active readers: fan-out writes only to users who read their feed within FEED_ACTIVE_DAYS."""

from django.utils import timezone

from feeds.models import FeedReader


def make_active(users) -> None:
    """Mark these users as having read their feed just now (as their first read would)."""
    FeedReader.objects.bulk_create(
        [FeedReader(user_id=user.pk, read_at=timezone.now()) for user in users],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["read_at"],
    )
