"""How django-allauth behaves in Divan, where its defaults are not Divan's rules."""

import base64
import functools
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.httpkit import is_headless_request
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import JsonResponse
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts import verification
from accounts.models import RegistrationApplication
from accounts.registration import signup_open
from accounts.services.registration import signup_admit
from divan.exceptions import InvalidInput
from divan.services.users import USERNAME_RESERVED, username_reserved
from divan.throttling import client_address

# A refused verification key says what became of it (accounts/verification.py); the codes are
# the hub's too, for the heading of its verify-email page.
KEY_ERRORS = {"used": "email_verification_used", "expired": "email_verification_expired"}


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mails greet from `current_site`, which without django.contrib.sites is the
        request's host ("Hello from 127.0.0.1:3000!"): they come from Divan, at the hub."""
        site = SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.HUB_URL).netloc)
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    """The one place both sign-up paths meet: allauth's headless sign-up and Divan's own
    (accounts.services.registration.user_sign_up) ask `is_open_for_signup` and save through
    `save_user`."""

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

    def get_client_ip(self, request) -> str:
        """The caller's address as the API's and the sign-in throttles see it (DJANGO_NUM_PROXIES
        proxies believed): allauth records it, and would limit by it."""
        return client_address(request) or super().get_client_ip(request)

    def is_open_for_signup(self, request) -> bool:
        """REGISTRATION_MODE's answer (accounts.registration): only `closed` is shut to all."""
        return signup_open()

    def save_user(self, request, user, form, commit=True):
        """The new account, admitted as REGISTRATION_MODE said when the form was checked
        (`form.admission`, from accounts.forms.SignupForm, which every allauth sign-up form
        derives from): in one transaction with its invitation's use and its group, or its wait
        for approval."""
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=commit)
                if commit:
                    signup_admit(user=user, admission=form.admission)
        except InvalidInput as error:  # the invitation was used up while the form was checked
            if not is_headless_request(request):
                raise  # Divan's own endpoints answer it in DRF's shape
            raise ImmediateHttpResponse(_input_error(error)) from None
        return user

    def pre_login(self, request, user, **kwargs):
        """An account that waits for approval is inactive, so allauth stops its sign-up before
        the stage that mails the address's verification link: it is sent here, so that every
        sign-up mails its address (the link works while the account waits)."""
        if kwargs.get("signup") and not user.is_active:
            waiting = RegistrationApplication.objects.filter(user=user, approved_at=None)
            address = EmailAddress.objects.filter(user=user, verified=False).first()
            if address is not None and waiting.exists():
                address.send_confirmation(request, signup=True)
        return super().pre_login(request, user, **kwargs)

    def clean_username(self, username, shallow=False):
        """Deleted accounts' names (`deleted-<id>`) are nobody's to take."""
        if username_reserved(username):
            raise forms.ValidationError(USERNAME_RESERVED)
        return super().clean_username(username, shallow=shallow)

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

    def add_message(self, *args, **kwargs) -> None:
        """allauth renders no pages here (HEADLESS_ONLY), so its flash messages ("Confirmation
        e-mail sent to ...") would only sit in a cookie of Divan's own endpoints' answers, and
        be there or not as a mail was sent or not."""

    def respond_email_verification_sent(self, request, user):
        """Under mandatory verification a sign-up with a taken address makes no account, so it
        hashes no password, and would answer in a fraction of the time one that makes an account
        takes. It hashes one all the same: the two answers take as long."""
        if user is None:
            make_password(get_random_string(32))
        return super().respond_email_verification_sent(request, user)


def _input_error(error: InvalidInput) -> JsonResponse:
    """A field error in allauth's headless shape (400, `errors` with `param`)."""
    errors = [
        {"message": message, "code": "invalid", "param": field}
        for field, messages in error.detail.items()
        for message in messages
    ]
    return JsonResponse({"status": 400, "errors": errors}, status=400)


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(
                        "divan.accounts.mfa", "fernet", secret=key, algorithm="sha256"
                    ).digest()
                )
            )
            for key in keys
        ]
    )


def _keys() -> tuple[str, ...]:
    return (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores a TOTP secret and the seed the recovery codes are derived from as they
    come; this encrypts both (Fernet, keyed from SECRET_KEY; SECRET_KEY_FALLBACKS still
    decrypt what an earlier key encrypted), so a copy of the database alone cannot make codes."""

    def encrypt(self, text: str) -> str:
        return _fernet(_keys()).encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet(_keys()).decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A two-factor secret does not decrypt with DJANGO_SECRET_KEY or any of "
                "DJANGO_SECRET_KEY_FALLBACKS: put the key it was made with back among them."
            ) from None
