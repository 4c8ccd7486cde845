from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts people can keep, on django-allauth: sign-up, verified addresses, password
    reset, two-factor sign-in, registration modes, export and deletion (README, Accounts)."""

    name = "accounts"
    # allauth's own app is "Accounts" in the admin (email addresses): ours holds who may join
    verbose_name = "Sign-up"
    default_auto_field = "django.db.models.BigAutoField"
