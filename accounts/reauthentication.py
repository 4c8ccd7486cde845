"""Proving it is you again before an irreversible act (deleting your account): your password,
and with two-factor sign-in on, a code from your authenticator app or a recovery code.

Both are checked by django-allauth's own forms, so the rules are its rules: the password as at
sign-in, the code as at sign-in (TOTP, each code once per period; each recovery code once).
Guessing is limited by accounts.throttles (the `account-delete` way in: wrong passwords per
account, THROTTLE_REAUTHENTICATE_USER_RATE, and every attempt per address). The code is read
only once the password is right, so that a wrong password never uses up a recovery code. The
code is checked as at sign-in (accounts.two_factor.code_check).
"""

from allauth.account.forms import ReauthenticateForm as PasswordForm
from allauth.core import context

from accounts.two_factor import code_check
from divan.exceptions import DomainError, InvalidInput

RATE_LIMITED = "too_many_login_attempts"


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
        code_check(user=user, code=code)
