"""Writes on users and their API tokens."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from divan.exceptions import InvalidInput
from divan.models import User

USERNAME_TAKEN = "A user with that username already exists."
# A deleted account keeps its row as `deleted-<id>` (accounts/services/deletion.py): nobody may
# take such a name, nor pass for a deleted account.
RESERVED_USERNAME = re.compile(r"deleted-\d+", re.IGNORECASE)
USERNAME_RESERVED = "This username is reserved."


def username_reserved(username: str) -> bool:
    return RESERVED_USERNAME.fullmatch(username) is not None


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a user after Django's password validators and the unique username rule. Usernames
    are public; email addresses are not unique (see User.email), so registering says nothing
    about whether an address has an account."""
    errors: dict[str, list[str]] = {}
    if username_reserved(username):
        errors["username"] = [USERNAME_RESERVED]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [USERNAME_TAKEN]
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except DjangoValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:  # a concurrent registration took the name
        raise InvalidInput({"username": [USERNAME_TAKEN]}) from None


def token_issue(*, user: User) -> Token:
    """The user's API token, created on first use; the same token until it is revoked."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
