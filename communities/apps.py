from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from communities import consumers  # noqa: F401 - registers the search consumer
        from communities.events import EventType
        from communities.metrics import register
        from divan.events.outbox import event_types_register

        register()
        event_types_register(EventType)
