"""Divan's forms around allauth's: the field Divan adds to its sign-up form (its headless
sign-up's input too), and the password forms of the admin and of the browsable API, which cannot
ask for a second factor: an account with two-factor sign-in on is sent to a sign-in that can."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.registration import SignupClosed, signup_admission
from accounts.two_factor import two_factor_on
from divan.exceptions import InvalidInput


class SignupForm(forms.Form):
    """allauth's sign-up form derives from this one (ACCOUNT_SIGNUP_FORM_CLASS): `invitation`,
    an invitation link's key, and REGISTRATION_MODE's answer, kept as `admission` for the
    adapter's save_user."""

    invitation = forms.CharField(required=False, max_length=100)

    def clean(self):
        cleaned_data = super().clean()
        self.admission = None
        try:
            self.admission = signup_admission(invitation=cleaned_data.get("invitation"))
        except SignupClosed as error:
            raise forms.ValidationError(error.detail, code="signup_closed") from None
        except InvalidInput as error:
            for field, messages in error.detail.items():
                for message in messages:
                    self.add_error(field, forms.ValidationError(message, code="invalid"))
        return cleaned_data

    def signup(self, request, user) -> None:
        """allauth's hook after save_user: nothing more, the adapter admitted the account."""


SECOND_FACTOR_ELSEWHERE = (
    "This account has two-factor sign-in, which this page cannot ask for. Sign in with your "
    "code at /api/auth/session/ (its form takes `code`), or in the hub, then come back."
)


class SecondFactorRefusal:
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if two_factor_on(user):
            raise ValidationError(SECOND_FACTOR_ELSEWHERE, code="second_factor")


class PasswordSignInForm(SecondFactorRefusal, AuthenticationForm):
    """The browsable API's sign-in (/api-auth/login/)."""


class AdminSignInForm(SecondFactorRefusal, AdminAuthenticationForm):
    """The admin's sign-in (/admin/login/)."""
