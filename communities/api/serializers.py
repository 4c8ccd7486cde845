"""Input and output shapes of the communities API; server-controlled fields are read-only."""

from django.conf import settings
from rest_framework import serializers

from communities.models import Ban, Group, Invitation, JoinRequest, Membership, Visibility
from communities.roles import Role
from divan.api.serializers import UserSummarySerializer

MAX_ID = 2**63 - 1  # bigint: a larger id is a 400, not a database error


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class GroupSerializer(serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()
    membership = serializers.SerializerMethodField()
    join_request_pending = serializers.SerializerMethodField()
    invited = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "visibility",
            "member_count",
            "created_at",
            "membership",
            "join_request_pending",
            "invited",
        )
        read_only_fields = fields

    def get_member_count(self, group) -> int | None:
        """Counts of a private group are its members' business."""
        if group.visibility == Visibility.PUBLIC or group.viewer_role:
            return group.member_count
        return None

    def get_membership(self, group) -> dict | None:
        if not group.viewer_role:
            return None
        return {"role": group.viewer_role, "joined_at": group.viewer_joined_at}

    def get_join_request_pending(self, group) -> bool:
        return bool(group.viewer_request_pending)

    def get_invited(self, group) -> bool:
        return bool(group.viewer_invited)


class GroupCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=settings.GROUP_NAME_MAX_LENGTH)
    slug = serializers.SlugField(max_length=settings.GROUP_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(
        max_length=settings.GROUP_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)


class GroupUpdateSerializer(GroupCreateSerializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ("user", "role", "joined_at")
        read_only_fields = fields


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class JoinRequestSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = JoinRequest
        fields = ("id", "group", "user", "status", "created_at", "decided_at")
        read_only_fields = fields


class BanSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    banned_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Ban
        fields = ("user", "reason", "expires_at", "banned_by", "created_at")
        read_only_fields = fields


class BanCreateSerializer(serializers.Serializer):
    user = id_field()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class InvitationSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    invited_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = ("id", "group", "user", "invited_by", "status", "created_at")
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    user = id_field()


class JoinOutcomeSerializer(serializers.Serializer):
    status = serializers.SerializerMethodField()
    membership = MembershipSerializer(read_only=True, allow_null=True)
    join_request = JoinRequestSerializer(read_only=True, allow_null=True)

    def get_status(self, outcome) -> str:
        return "member" if outcome.membership else "requested"
