from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self) -> None:
        from communities import consumers  # noqa: F401 - registers the search consumer
        from communities.metrics import register

        register()
