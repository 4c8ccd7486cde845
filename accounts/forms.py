"""The password forms of the admin and of the browsable API, which cannot ask for a second
factor: an account with two-factor sign-in on is sent to a sign-in that can."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.services import SECOND_FACTORS

SECOND_FACTOR_ELSEWHERE = (
    "This account has two-factor sign-in, which this page cannot ask for. Sign in with your "
    "code at /api/auth/session/ (its form takes `code`), or in the hub, then come back."
)


class SecondFactorRefusal:
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if is_mfa_enabled(user, SECOND_FACTORS):
            raise ValidationError(SECOND_FACTOR_ELSEWHERE, code="second_factor")


class PasswordSignInForm(SecondFactorRefusal, AuthenticationForm):
    """The browsable API's sign-in (/api-auth/login/)."""


class AdminSignInForm(SecondFactorRefusal, AdminAuthenticationForm):
    """The admin's sign-in (/admin/login/)."""
