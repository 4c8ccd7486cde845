from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        # the consumer registered; the stream processes' figures on /metrics
        from django.contrib.auth.signals import user_logged_out

        from live import consumers  # noqa: F401
        from live.channels import signed_out
        from live.metrics import register

        register()
        # a session signed out (allauth's and Django's logout send it): its streams end
        user_logged_out.connect(signed_out, dispatch_uid="live-signed-out")
