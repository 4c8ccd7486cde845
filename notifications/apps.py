from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from notifications import consumers  # noqa: F401 - registers the notifications consumer
        from notifications.metrics import register

        register()
