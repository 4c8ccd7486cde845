from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "divan.events"
    label = "events"
    verbose_name = "Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import importlib

        from django.conf import settings

        from divan.events.metrics import register

        register()
        for module in settings.EVENTS_CONSUMER_MODULES:
            importlib.import_module(module)
