from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from divan.models import User


class EmptySerializer(serializers.Serializer):
    """For actions that take no body, so the browsable API can still draw their POST form."""


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "username", "email", "reputation")
        read_only_fields = fields


class UserSummarySerializer(serializers.ModelSerializer):
    """What other users may see of a user: never the email address."""

    class Meta:
        model = User
        fields = ("id", "username", "reputation")
        read_only_fields = fields


def user_summary(user) -> dict | None:
    """UserSummarySerializer's output, built directly for the hot lists."""
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "reputation": user.reputation}


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
