"""Sign-up and sign-in for Divan's own auth endpoints (divan.api.views), on django-allauth's
forms and flows, so that they follow the rules allauth's headless API follows for the hub."""

from dataclasses import dataclass

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.account.utils import complete_signup, has_verified_email
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.utils import get_form_class
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from divan.exceptions import InvalidInput, Refused
from divan.models import User

USERNAME_TAKEN = "A user with that username already exists."
SIGNUP_CLOSED = "Sign-up is closed."
EMAIL_UNVERIFIED = (
    "Your email address is not verified yet: follow the link we sent to it, then sign in again. "
    "We have sent a new link unless we sent one in the last few minutes."
)
CODE_REQUIRED = (
    "This account has two-factor sign-in: send a code from your authenticator app, or one of "
    "your recovery codes, as `code`."
)
# The authenticators that make a sign-in ask for a code, as allauth's own AuthenticateStage.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
_FIELDS = {"password1": "password", "__all__": "non_field_errors"}


@dataclass(frozen=True)
class Signup:
    # None when verification is mandatory and the address already has an account: no account
    # is made, and the address's owner is mailed instead (the answer is the same)
    user: User | None
    signed_in: bool  # allauth's flow signed the new user in (verification none or optional)


def account_signup(*, request: HttpRequest, username: str, email: str, password: str) -> Signup:
    """Every sign-up through Divan's own endpoints: allauth's signup form (its username,
    address and password rules) and its flow, as the headless API's sign-up. The flow mails the
    address a verification link, or its owner a "someone tried to sign up" note when another
    account holds it, and signs the new user in on `request` unless verification is mandatory.
    Whether sign-up is open is the account adapter's `is_open_for_signup`, which the headless
    sign-up asks too."""
    if not get_adapter(request).is_open_for_signup(request):
        raise Refused(SIGNUP_CLOSED)
    form_class = get_form_class(account_settings.FORMS, "signup", SignupForm)
    form = form_class(data={"username": username, "email": email, "password1": password})
    if not form.is_valid():
        raise InvalidInput(
            {_FIELDS.get(field, field): list(messages) for field, messages in form.errors.items()}
        )
    try:
        with transaction.atomic():
            user, _ = form.try_save(request)
            if user is not None:
                complete_signup(request, user, account_settings.EMAIL_VERIFICATION, None)
    except IntegrityError:  # a concurrent sign-up took the name
        raise InvalidInput({"username": [USERNAME_TAKEN]}) from None
    signed_in = user is not None and request.user.is_authenticated and request.user.pk == user.pk
    return Signup(user=user, signed_in=signed_in)


def sign_in_check(*, request: HttpRequest, user: User, code: str | None) -> None:
    """What allauth's own sign-in asks after the password, asked by Divan's API tokens and
    sessions too: a verified address when verification is mandatory (a new link is sent, as
    allauth's sign-in sends one), and with two-factor sign-in on, a code, checked by allauth.mfa
    (a TOTP code works once, a recovery code is used up, failures are rate limited)."""
    if (
        account_settings.EMAIL_VERIFICATION == account_settings.EmailVerificationMethod.MANDATORY
        and not has_verified_email(user)
    ):
        send_verification_email_for_user(request, user)
        raise Refused(EMAIL_UNVERIFIED)
    if not is_mfa_enabled(user, SECOND_FACTORS):
        return
    if not code:
        raise InvalidInput({"code": [CODE_REQUIRED]})
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise InvalidInput({"code": list(form.errors["code"])})
    form.authenticator.record_usage()
