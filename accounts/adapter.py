"""How django-allauth behaves in Divan, where its defaults are not Divan's rules."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from django.utils.translation import gettext_lazy as _

from accounts import verification

# A refused verification key says what became of it (accounts/verification.py); the codes are
# the hub's too, for the heading of its verify-email page.
KEY_ERRORS = {"used": "email_verification_used", "expired": "email_verification_expired"}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "invalid_or_expired_key": _(
            "This link is not valid: open the whole link from the mail, or ask for a new one."
        ),
        "email_verification_used": _("This link was used already: the address is verified."),
        "email_verification_expired": _("This link has expired: ask for a new one."),
    }

    def validation_error(self, code, *args):
        if code == "invalid_or_expired_key":
            state = verification.key_state(verification.key_of(context.request))
            code = KEY_ERRORS.get(state, code)
        return super().validation_error(code, *args)

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
