"""Input and output shapes of the communities API; server-controlled fields are read-only."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities.api.attachments import SCHEMA as ATTACHMENTS_SCHEMA
from communities.api.attachments import attachments_shown
from communities.models import Ban, Group, Invitation, JoinRequest, Membership, Post, Visibility
from communities.roles import (
    Action,
    ContentAction,
    Role,
    group_permissions,
    post_permissions,
)
from communities.selectors.visibility import joins_at_once, may_read
from communities.services.posts import REASON_MAX_LENGTH
from communities.services.tags import tags_normalize
from divan.api.serializers import UserSummarySerializer
from divan.api.shapes import CompiledShape
from divan.exceptions import InvalidInput

MAX_ID = 2**63 - 1  # bigint: a larger id is a 400, not a database error


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "maxLength": 150},
        ],
        "description": "A user id, or a username (a string of digits is read as an id).",
    }
)
class UserRefField(serializers.Field):
    """A user named by id or by username: an integer or a string of ASCII digits is an id (an
    int), any other string a username (a str). It is only read here: the services look the
    user up after the actor's role is checked, so that a refusal tells nobody which users
    exist, and answer an unknown username as they answer an unknown id."""

    default_error_messages = {"invalid": "Give a user id or a username."}

    def to_internal_value(self, data) -> int | str:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, int) and not isinstance(data, bool):
            return id_field().run_validation(data)
        if not isinstance(data, str) or not 0 < len(data) <= 150 or "\x00" in data:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class TagsField(serializers.ListField):
    """A list of tags as typed; normalized (and limited to `limit`) by the one tag rule."""

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        super().__init__(
            child=serializers.CharField(allow_blank=True, trim_whitespace=False), **kwargs
        )

    def to_internal_value(self, data) -> list[str]:
        raw = super().to_internal_value(data)
        try:
            return tags_normalize(raw, limit=self.limit)
        except InvalidInput as error:
            raise serializers.ValidationError(error.detail["tags"]) from None


datetime_text = serializers.DateTimeField().to_representation  # as DRF renders a datetime


class BanStandingSerializer(serializers.Serializer):
    reason = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="None: until lifted.")


class GroupSerializer(CompiledShape, serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    membership = serializers.SerializerMethodField()
    join_request_pending = serializers.SerializerMethodField()
    invited = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()
    banned = serializers.SerializerMethodField()
    readable = serializers.SerializerMethodField(
        help_text="Whether you may read what is in the group: its posts, its members and their "
        "count, its tags (by its visibility and your membership: visibility.py's MAY_READ)."
    )
    joins_at_once = serializers.SerializerMethodField(
        help_text="Whether joining would make you a member at once (a public group, or an "
        "invitation you hold); otherwise it asks the group's moderators (visibility.py)."
    )

    class Meta:
        model = Group
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "visibility",
            "tags",
            "member_count",
            "created_at",
            "membership",
            "join_request_pending",
            "invited",
            "permissions",
            "banned",
            "readable",
            "joins_at_once",
        )
        read_only_fields = fields

    def get_member_count(self, group) -> int | None:
        """Counts of a private group are its members' business."""
        return group.member_count if self.get_readable(group) else None

    def get_tags(self, group) -> list[str]:
        """A private group's topics, like its count, are its members' business."""
        return list(group.tag_names) if self.get_readable(group) else []

    def get_readable(self, group) -> bool:
        return may_read(group.visibility, role=group.viewer_role)

    def get_joins_at_once(self, group) -> bool:
        return joins_at_once(group.visibility, invited=self.get_invited(group))

    def get_membership(self, group) -> dict | None:
        if not group.viewer_role:
            return None
        return {"role": group.viewer_role, "joined_at": group.viewer_joined_at}

    def get_join_request_pending(self, group) -> bool:
        return bool(group.viewer_request_pending)

    def get_invited(self, group) -> bool:
        return bool(group.viewer_invited)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=[action.value for action in Action]),
            help_text="The group actions your role allows (roles.py); empty unless a member.",
        )
    )
    def get_permissions(self, group) -> list[str]:
        return group_permissions(group.viewer_role)

    @extend_schema_field(BanStandingSerializer(allow_null=True))
    def get_banned(self, group) -> dict | None:
        """Your active ban from the group, so that you know before trying to join."""
        if group.viewer_ban_at is None:
            return None
        return {
            "reason": group.viewer_ban_reason,
            "expires_at": datetime_text(group.viewer_ban_expires_at),
        }


class GroupCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=settings.GROUP_NAME_MAX_LENGTH)
    slug = serializers.SlugField(max_length=settings.GROUP_NAME_MAX_LENGTH, required=False)
    description = serializers.CharField(
        max_length=settings.GROUP_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    tags = TagsField(limit=settings.TAGS_MAX_PER_GROUP, required=False)


class GroupUpdateSerializer(GroupCreateSerializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


def reaction_counts(content) -> dict[str, int]:
    """Every configured kind, zeros included, from the counters stored on a post or comment."""
    stored = content.reaction_counts or {}
    return {kind: int(stored.get(kind, 0)) for kind in settings.REACTION_KINDS}


def my_reactions(content) -> list[str]:
    """The kinds of the viewer's own reactions, in the configured order, from `viewer_kinds`
    (selectors.reactions.with_viewer_kinds)."""
    mine = set(content.viewer_kinds)
    return [kind for kind in settings.REACTION_KINDS if kind in mine]


REACTION_COUNTS_SCHEMA = extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "integer"}, "example": {"like": 2}}
)


class ReactionSummaryMixin(serializers.Serializer):
    """reaction_counts and my_reactions, for posts and comments."""

    reaction_counts = serializers.SerializerMethodField()
    my_reactions = serializers.SerializerMethodField()

    @REACTION_COUNTS_SCHEMA
    def get_reaction_counts(self, content) -> dict[str, int]:
        return reaction_counts(content)

    def get_my_reactions(self, content) -> list[str]:
        return my_reactions(content)


def viewer_standing(content) -> dict:
    """The viewer's standing on a post or comment loaded by with_viewer_standing."""
    return {
        "role": content.viewer_role,
        "is_author": bool(content.viewer_is_author),
        "banned": bool(content.viewer_banned),
        "signed_in": content.viewer_banned is not None,
    }


def permissions_field(actions, help_text: str):
    return extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=[action.value for action in actions]),
            help_text=help_text,
        )
    )


class PostSerializer(CompiledShape, ReactionSummaryMixin, serializers.ModelSerializer):
    """A post as its readers see it. Built from post_list/post_get, which load the author, the
    tags and the viewer's own reactions per page."""

    author = UserSummarySerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = (
            "id",
            "group",
            "author",
            "title",
            "body",
            "tags",
            "attachments",
            "reaction_counts",
            "reactions_count",
            "comments_count",
            "my_reactions",
            "pinned",
            "locked",
            "hidden",
            "edited_at",
            "created_at",
            "permissions",
        )
        read_only_fields = fields

    def get_tags(self, post) -> list[str]:
        return list(post.tag_names)

    @extend_schema_field(ATTACHMENTS_SCHEMA)
    def get_attachments(self, post) -> list[dict]:
        rows = getattr(post, "attachment_rows", None)
        return attachments_shown(rows, request=self.context.get("request"))

    def get_hidden(self, post) -> bool:
        return post.hidden_at is not None

    @permissions_field(
        [a for a in ContentAction if a != ContentAction.REPLY],
        "What you may do to this post now (edit, delete, pin, unpin, lock, unlock, hide, restore,"
        " comment, react, report): what its endpoints would accept from you.",
    )
    def get_permissions(self, post) -> list[str]:
        return post_permissions(post, **viewer_standing(post))


class PostCreateSerializer(serializers.Serializer):
    """The only fields a writer controls; author, group, counters and moderation state are the
    server's."""

    title = serializers.CharField(
        max_length=settings.POST_TITLE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    body = serializers.CharField(max_length=settings.POST_BODY_MAX_LENGTH)
    tags = TagsField(limit=settings.TAGS_MAX_PER_POST, required=False, default=list)
    attachments = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=100,
        help_text="Ids of your own ready uploads, in order (at most UPLOAD_MAX_PER_POST).",
    )  # fmt: skip


class PostUpdateSerializer(PostCreateSerializer):
    title = serializers.CharField(
        max_length=settings.POST_TITLE_MAX_LENGTH, required=False, allow_blank=True
    )
    body = serializers.CharField(max_length=settings.POST_BODY_MAX_LENGTH, required=False)
    tags = TagsField(limit=settings.TAGS_MAX_PER_POST, required=False)
    attachments = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=100,
        help_text="The post's attachments from now on: ids of your own ready uploads, in order.",
    )  # fmt: skip


class PostModerationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TagSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    post_count = serializers.IntegerField(read_only=True)


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
    user = UserRefField()
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
    user = UserRefField()


class JoinOutcomeSerializer(serializers.Serializer):
    status = serializers.SerializerMethodField()
    membership = MembershipSerializer(read_only=True, allow_null=True)
    join_request = JoinRequestSerializer(read_only=True, allow_null=True)

    def get_status(self, outcome) -> str:
        return "member" if outcome.membership else "requested"
