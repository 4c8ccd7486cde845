"""What makes a sign-in ask for a second factor: the one rule the sign-ins, the admin's and the
browsable API's password forms and `me/` read."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

# The authenticators a sign-in asks a code for, as allauth's own AuthenticateStage: recovery
# codes alone (left after the others were removed) do not.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def two_factor_on(user) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)
