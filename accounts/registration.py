"""Who may sign up, by REGISTRATION_MODE: the one check every sign-up path asks.

- open: anyone;
- approval: anyone, but the account is inactive until staff approve it (a valid invitation
  skips the wait);
- invite-only: only with a valid invitation link;
- closed: no one (403), invitation or not.

allauth's adapter asks `signup_open` (its `is_open_for_signup`), its sign-up form asks
`signup_admission` (accounts.forms), and the adapter's `save_user` hands the admission to
`accounts.services.registration.signup_admit`, in the transaction that creates the account; a
sign-up path of our own asks the same two functions. None of the answers depends on an email
address.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from rest_framework import status

from accounts.models import SignupInvitation
from communities.rules import LIVE_GROUP
from divan.exceptions import DomainError, InvalidInput


class RegistrationMode(StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITE_ONLY = "invite-only"
    CLOSED = "closed"


SIGNUP_CLOSED = "Sign-up is closed on this site."
INVITATION_REQUIRED = "Sign-up here is by invitation: open the invitation link you were sent."
INVITATION_INVALID = "This invitation link is not valid: it is unknown, expired or used up."
AWAITING_APPROVAL = (
    "Thank you for signing up. Staff approve every new account here: you will get a mail when "
    "yours is approved, and can sign in from then on."
)


class SignupClosed(DomainError):
    """403 whoever asks: not PermissionDenied, which asks an anonymous caller to sign in."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = SIGNUP_CLOSED


def registration_mode() -> RegistrationMode:
    try:
        return RegistrationMode(settings.REGISTRATION_MODE)
    except ValueError:
        choices = ", ".join(mode.value for mode in RegistrationMode)
        raise ImproperlyConfigured(f"REGISTRATION_MODE must be one of {choices}") from None


def signup_open() -> bool:
    """Whether anyone may try to sign up (allauth's `is_open_for_signup`)."""
    return registration_mode() is not RegistrationMode.CLOSED


@dataclass(frozen=True)
class Admission:
    """What the mode lets one sign-up do: come in now, or wait for approval; with the invitation
    it came with (to be used up, and its group joined)."""

    mode: RegistrationMode
    invitation_id: int | None = None

    @property
    def awaiting_approval(self) -> bool:
        return self.mode is RegistrationMode.APPROVAL and self.invitation_id is None


def invitation_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def usable_invitations() -> QuerySet[SignupInvitation]:
    """Invitations a sign-up may use now: not revoked, expired or used up, nor of a group that
    has been archived since."""
    return SignupInvitation.objects.filter(
        Q(group=None) | LIVE_GROUP.q("group__"),
        revoked_at=None,
        expires_at__gt=timezone.now(),
        uses__lt=F("max_uses"),
    )


def signup_admission(*, invitation: str | None) -> Admission:
    """The mode's answer to a sign-up bringing `invitation` (a link's key, or nothing): an
    Admission, SignupClosed (403), or InvalidInput on `invitation` (400). An invitation is
    checked here and used up by `signup_admit`, which checks it again under lock."""
    mode = registration_mode()
    if mode is RegistrationMode.CLOSED:
        raise SignupClosed()
    if not invitation:
        if mode is RegistrationMode.INVITE_ONLY:
            raise InvalidInput({"invitation": [INVITATION_REQUIRED]})
        return Admission(mode)
    found = (
        usable_invitations()
        .filter(key_digest=invitation_digest(str(invitation)))
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise InvalidInput({"invitation": [INVITATION_INVALID]})
    return Admission(mode, invitation_id=found)
