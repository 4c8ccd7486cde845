"""How django-allauth behaves in Divan, where its defaults are not Divan's rules."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django import forms

from divan.services.users import USERNAME_RESERVED, username_reserved


class AccountAdapter(DefaultAccountAdapter):
    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """An address another account has verified stays theirs: its owner is told that
        someone tried it, and no link is sent. The answer to the sign-up or the change was the
        same as for any address, so nobody learns whether it has an account."""
        address = emailconfirmation.email_address
        taken = (
            EmailAddress.objects.filter(email__iexact=address.email, verified=True)
            .exclude(user_id=address.user_id)
            .exists()
        )
        if taken:
            self.send_account_already_exists_mail(address.email)
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def clean_username(self, username, shallow=False):
        """Deleted accounts' names (`deleted-<id>`) are nobody's to take."""
        if username_reserved(username):
            raise forms.ValidationError(USERNAME_RESERVED)
        return super().clean_username(username, shallow=shallow)
