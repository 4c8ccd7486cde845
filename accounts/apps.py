from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts people can keep, on django-allauth: sign-up, verified addresses, password
    reset, two-factor sign-in, registration modes, export and deletion (README, Accounts)."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
