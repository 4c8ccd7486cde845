"""What makes a sign-in ask for a second factor, and the check of that code: the one rule the
sign-ins, the admin's and the browsable API's password forms, `me/` and deleting an account
read."""

from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from divan.exceptions import InvalidInput

# The authenticators a sign-in asks a code for, as allauth's own AuthenticateStage: recovery
# codes alone (left after the others were removed) do not.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]

CODE_REQUIRED = (
    "This account has two-factor sign-in: send a code from your authenticator app, or one of "
    "your recovery codes, as `code`."
)


def two_factor_on(user) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def code_check(*, user, code: str | None) -> None:
    """Nothing when two-factor sign-in is off, or `code` is a valid one, checked by allauth.mfa
    (a TOTP code works once, a recovery code is used up); else InvalidInput on `code`. Guessing
    is limited by accounts.throttles (THROTTLE_TWO_FACTOR_USER_RATE)."""
    if not two_factor_on(user):
        return
    if not code:
        raise InvalidInput({"code": [CODE_REQUIRED]})
    form = AuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise InvalidInput({"code": list(form.errors["code"])})
    form.authenticator.record_usage()
