"""Writes on users and their API tokens."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from divan.exceptions import InvalidInput
from divan.models import User


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a user after Django's password validators and the unique username/email rules."""
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that email already exists."]
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except DjangoValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:  # a concurrent registration took the name or the address
        raise InvalidInput(
            {"username": ["A user with that username or email already exists."]}
        ) from None


def token_issue(*, user: User) -> Token:
    """The user's API token, created on first use; the same token until it is revoked."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
