"""Writes on users' API tokens. Sign-up is allauth's flow (accounts.services.user_sign_up);
a changed password deletes the user's tokens (divan.models.User.save)."""

from rest_framework.authtoken.models import Token

from divan.models import User


def token_issue(*, user: User) -> Token:
    """The user's API token, created on first use; the same token until it is revoked."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
