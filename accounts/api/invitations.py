"""A group's sign-up links, for its owners and admins: whoever signs up with one joins the group
(groups/{id}/signup-invitations/). The link is shown once, in the answer to its creation."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status
from rest_framework.response import Response

from accounts.models import SignupInvitation
from accounts.services.registration import invitation_create, invitation_link, invitation_revoke
from communities.api.views import ID_PATTERN, GroupScopedViewSet
from communities.roles import Action
from divan.api.serializers import UserSummarySerializer


class SignupInvitationSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    usable = serializers.SerializerMethodField(
        help_text="Whether a sign-up may use it now: not revoked, expired or used up."
    )

    class Meta:
        model = SignupInvitation
        fields = ("id", "group", "created_by", "created_at", "expires_at", "max_uses", "uses",
                  "revoked_at", "usable")  # fmt: skip
        read_only_fields = fields

    def get_usable(self, invitation) -> bool:
        return (
            invitation.revoked_at is None
            and invitation.expires_at > timezone.now()
            and invitation.uses < invitation.max_uses
        )


class SignupInvitationCreatedSerializer(SignupInvitationSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; kept nowhere.")
    link = serializers.CharField(read_only=True, help_text="The hub's sign-up page with the key.")

    class Meta(SignupInvitationSerializer.Meta):
        fields = (*SignupInvitationSerializer.Meta.fields, "key", "link")
        read_only_fields = fields


class SignupInvitationCreateSerializer(serializers.Serializer):
    max_uses = serializers.IntegerField(
        default=1, min_value=1, help_text="How many sign-ups it lets in (INVITATION_MAX_USES)."
    )
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="How many days it works (INVITATION_DAYS unless given; INVITATION_MAX_DAYS).",
    )

    def validate_max_uses(self, value: int) -> int:
        if value > settings.INVITATION_MAX_USES:
            raise serializers.ValidationError(f"At most {settings.INVITATION_MAX_USES}.")
        return value

    def validate_days(self, value: int) -> int:
        if value > settings.INVITATION_MAX_DAYS:
            raise serializers.ValidationError(f"At most {settings.INVITATION_MAX_DAYS}.")
        return value


class SignupInvitationViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Sign-up links into this group, for its owners and admins: whoever signs up with one
    joins the group. A link's key is in the answer to its creation, and nowhere after."""

    # No Idempotency-Key here, unlike other creates: a replayed answer would keep the key in Redis.

    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        if self.action == "create":
            return SignupInvitationCreateSerializer
        return SignupInvitationSerializer

    def get_queryset(self):
        if self._fake():
            return SignupInvitation.objects.none()
        self.access.require(Action.INVITE_TO_SIGN_UP)
        return SignupInvitation.objects.filter(group=self.group).select_related("created_by")

    @extend_schema(responses={201: SignupInvitationCreatedSerializer})
    def create(self, request, group_pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, key = invitation_create(
            actor=request.user, group=self.group, **serializer.validated_data
        )
        invitation.key, invitation.link = key, invitation_link(key)
        body = SignupInvitationCreatedSerializer(invitation).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, group_pk=None, pk=None):
        invitation_revoke(actor=request.user, group=self.group, invitation_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
