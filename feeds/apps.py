from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "Feeds"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete

        from communities.events import EventType
        from divan.events.outbox import event_effect_register
        from feeds import consumers  # noqa: F401 - registers the feeds consumer
        from feeds.metrics import register
        from feeds.services import feed_add_own

        register()
        # a new post's author has it in their feed at once: committed with the post
        event_effect_register(EventType.POST_CREATED, feed_add_own)
        # Divan deactivates users (feeds.purge then removes their feeds); a user deleted all the
        # same (the shell) loses their rows by cascade, and here their cached set.
        post_delete.connect(_drop_deleted_users_cache, sender=get_user_model())


def _drop_deleted_users_cache(sender, instance, **kwargs) -> None:
    from django.db import transaction

    from feeds.services import feed_forget

    transaction.on_commit(lambda: feed_forget(user_id=instance.pk))
