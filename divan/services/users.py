"""Writes on users' API tokens, and the usernames nobody may take. Sign-up is allauth's flow
(accounts.services.registration.user_sign_up); a changed password deletes the user's tokens
(divan.models.User.save)."""

import re

from rest_framework.authtoken.models import Token

from divan.authentication import tokens_delete
from divan.models import User

# A deleted account keeps its row as `deleted-<id>` (accounts/services/deletion.py): nobody may
# take such a name, nor pass for a deleted account.
RESERVED_USERNAME = re.compile(r"deleted-\d+", re.IGNORECASE)
USERNAME_RESERVED = "This username is reserved."


def username_reserved(username: str) -> bool:
    return RESERVED_USERNAME.fullmatch(username) is not None


def token_issue(*, user: User) -> Token:
    """The user's API token, created on first use; the same token until it is revoked."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    """Signing out: the user's tokens go, refused at once by every process."""
    tokens_delete(user_id=user.pk)
