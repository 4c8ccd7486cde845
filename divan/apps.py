from django.apps import AppConfig


class DivanConfig(AppConfig):
    name = "divan"
    verbose_name = "Divan platform"

    def ready(self):
        from divan.mail import register

        register()
