"""Reads about an account that django-allauth keeps: whether its address is verified and
whether it signs in with a second factor."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

from accounts.two_factor import SECOND_FACTORS
from divan.models import User


def account_flags(*, user: User) -> User:
    """`user`, with `email_verified` (its current address is verified) and `two_factor` (a
    sign-in asks for a code) read in one query: `me/` and the session's GET are read on every
    page of the hub."""
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            email_verified=Exists(
                EmailAddress.objects.filter(
                    user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            ),
            two_factor=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS)
            ),
        )
        .values("email_verified", "two_factor")
        .get()
    )
    user.email_verified = flags["email_verified"]
    user.two_factor = flags["two_factor"]
    return user
