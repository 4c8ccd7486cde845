from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "Feeds"

    def ready(self) -> None:
        from feeds import consumers  # noqa: F401 - registers the feeds consumer
        from feeds.metrics import register

        register()
