"""The field Divan adds to allauth's sign-up form (its headless sign-up's input too)."""

from django import forms

from accounts.registration import SignupClosed, signup_admission
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
