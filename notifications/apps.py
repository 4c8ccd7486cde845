from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # mail and retention: their tasks registered, the mail backlog on /metrics
        from notifications import retention  # noqa: F401
        from notifications.mail import register as register_mail_metrics

        register_mail_metrics()
