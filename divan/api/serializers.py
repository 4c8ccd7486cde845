from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from divan.api.shapes import CompiledShape
from divan.models import User


class EmptySerializer(serializers.Serializer):
    """For actions that take no body, so the browsable API can still draw their POST form."""


class UserSerializer(serializers.ModelSerializer):
    """You, as you see yourself: your address, and whether it is verified and you sign in with
    a second factor."""

    # email_verified and two_factor are read by accounts.selectors.account_flags

    email_verified = serializers.BooleanField(
        read_only=True, help_text="Whether `email` is verified (its link was followed)."
    )
    two_factor = serializers.BooleanField(
        read_only=True,
        help_text="Whether signing in (a session or an API token) asks for a second factor.",
    )

    class Meta:
        model = User
        fields = ("id", "username", "email", "reputation", "email_verified", "two_factor")
        read_only_fields = fields


class UserSummarySerializer(CompiledShape, serializers.ModelSerializer):
    """What other users may see of a user: never the email address."""

    class Meta:
        model = User
        fields = ("id", "username", "reputation")
        read_only_fields = fields


def user_summary(user) -> dict | None:
    """UserSummarySerializer's shape of `user`, None for none (a deleted author)."""
    return None if user is None else UserSummarySerializer.represent(user)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    invitation = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="An invitation link's key: needed when sign-up is by invitation only; "
        "with a group's link, the new account joins that group.",
    )


class RegisteredSerializer(UserSerializer):
    token = serializers.CharField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = (*UserSerializer.Meta.fields, "token")
        read_only_fields = fields


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class SignInSerializer(AuthTokenSerializer):
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        write_only=True,
        help_text="With two-factor sign-in on: the code from your authenticator app, or one of "
        "your recovery codes (each works once). Without it the answer is a 400 on `code`.",
    )


class SignupPendingSerializer(serializers.Serializer):
    """A sign-up that signed nobody in yet: the account waits for staff's approval, or for its
    address's link (verification mandatory; the same answer whether or not the address already
    has an account)."""

    detail = serializers.CharField(read_only=True)
    email = serializers.EmailField(
        read_only=True,
        required=False,
        help_text="Where the verification link went (when verification is mandatory).",
    )
