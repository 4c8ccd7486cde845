"""Proving it is you again before an irreversible act (deleting your account): your password,
and with two-factor sign-in on, a code from your authenticator app or a recovery code.

Both are checked by django-allauth's own forms, so the rules are its rules: the password as at
sign-in, the code as at sign-in (TOTP, each code once per period; each recovery code once).
Guessing is limited by accounts.throttles (the `account-delete` way in: wrong passwords per
account, THROTTLE_REAUTHENTICATE_USER_RATE, and every attempt per address). The code is read
only once the password is right, so that a wrong password never uses up a recovery code. (The
sign-in's own code check is another part of the work on accounts, not on main yet: this small
helper is to be swapped for theirs once it lands.)
"""

from allauth.account.forms import ReauthenticateForm as PasswordForm
from allauth.core import context
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.utils import is_mfa_enabled

from divan.exceptions import DomainError, InvalidInput

RATE_LIMITED = "too_many_login_attempts"
CODE_REQUIRED = "Two-factor sign-in is on: send a code from your app, or a recovery code."


class TooManyAttempts(DomainError):
    """allauth's rate limit on wrong passwords and codes: 429."""

    status_code = 429
    default_detail = "Too many failed attempts: wait a few minutes and try again."


def _errors(form, field: str) -> None:
    """Raise the form's errors on `field` as Divan's: 429 for the rate limit, else 400."""
    if form.is_valid():
        return
    errors = form.errors.as_data().get(field, [])
    if any(error.code == RATE_LIMITED for error in errors):
        raise TooManyAttempts()
    raise InvalidInput({field: [message for error in errors for message in error.messages]})


def reauthenticate(*, request, user, password: str, code: str = "") -> None:
    """Nothing when `password` (and, with two-factor sign-in on, `code`) prove it is `user`;
    else InvalidInput on the field that is wrong, or TooManyAttempts."""
    with context.request_context(getattr(request, "_request", request)):
        _errors(PasswordForm(user=user, data={"password": password}), "password")
        if not is_mfa_enabled(user):
            return
        if not code:
            raise InvalidInput({"code": [CODE_REQUIRED]})
        _errors(BaseAuthenticateForm(user=user, data={"code": code}), "code")
