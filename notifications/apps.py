from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # the consumer, the tasks of mail and retention registered; delivery's counters and the
        # mail backlog on /metrics; blocks ending the kept unread counts of their makers
        from notifications import consumers, retention  # noqa: F401
        from notifications.mail import register as register_mail_metrics
        from notifications.metrics import register
        from notifications.unread import connect

        register()
        connect()
        register_mail_metrics()
