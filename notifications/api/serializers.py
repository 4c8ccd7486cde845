"""The shapes of the notifications API: an inbox item, the unread count, the preferences and
the levels; input serializers beside the outputs they differ from."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities.models import Group, Post
from divan.api.shapes import CompiledShape
from notifications.models import Level, Notification
from notifications.selectors import EXCERPT_LENGTH
from notifications.services import MARK_READ_IDS_MAX
from notifications.types import TYPE_CHOICES, Delivery, item_path

BIGINT_MAX = 2**63 - 1


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class NotificationGroupSerializer(CompiledShape, serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ("id", "name", "slug")
        read_only_fields = fields


class NotificationPostSerializer(CompiledShape, serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ("id", "title")
        read_only_fields = fields


class NotificationCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    excerpt = serializers.CharField(help_text=f"The comment's first {EXCERPT_LENGTH} characters.")


class NotificationDataSerializer(serializers.Serializer):
    """What a type adds; each key only where its type has it."""

    reason = serializers.CharField(
        required=False, help_text="content_hidden: the moderator's reason."
    )
    role = serializers.CharField(required=False, help_text="role_changed: the new role.")
    outcome = serializers.ChoiceField(
        choices=["resolved", "dismissed"], required=False, help_text="report_resolved."
    )
    kinds = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="reaction: the kinds of the reactions folded in.",
    )
    target = serializers.ChoiceField(
        choices=["post", "comment"],
        required=False,
        help_text="What the item is about, where a type can be about either.",
    )


class NotificationSerializer(CompiledShape, serializers.ModelSerializer):
    """An item of the inbox: one event, or several folded together (`count` of them; `actors`
    the newest few who acted). `group`, `post` and `comment` are what it is about, as far as
    its type names them."""

    type = serializers.ChoiceField(choices=TYPE_CHOICES, read_only=True)
    read = serializers.SerializerMethodField()
    actors = serializers.SerializerMethodField()
    group = NotificationGroupSerializer(read_only=True, allow_null=True)
    post = NotificationPostSerializer(read_only=True, allow_null=True)
    comment = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()
    path = serializers.SerializerMethodField(
        help_text="The hub's page of what the item is about (its mail links there too): a"
        " post (at the comment), a group, its moderation page, or the inbox."
    )

    class Meta:
        model = Notification
        fields = (
            "id", "type", "created_at", "updated_at", "read", "count", "actors", "group",
            "post", "comment", "data", "path",
        )  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "count": {"help_text": "How many events this item folds (1 unless grouped)."},
            "updated_at": {"help_text": "When the latest event was folded in."},
        }

    @extend_schema_field(serializers.BooleanField())
    def get_read(self, notification) -> bool:
        return notification.read_at is not None

    @extend_schema_field(ActorSerializer(many=True))
    def get_actors(self, notification) -> list[dict]:
        # newest first, at most three; loaded for the whole page (notifications_with_actors)
        return notification.actors

    @extend_schema_field(NotificationCommentSerializer(allow_null=True))
    def get_comment(self, notification) -> dict | None:
        if notification.comment_id is None:
            return None
        return {"id": notification.comment_id, "excerpt": notification.comment_excerpt}

    @extend_schema_field(NotificationDataSerializer)
    def get_data(self, notification) -> dict:
        return notification.data

    def get_path(self, notification) -> str:
        return item_path(notification)


class MarkReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        help_text="Mark read every unread item of yours with an id up to this one.",
    )
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=MARK_READ_IDS_MAX,
        help_text=f"Or mark read these items of yours (at most {MARK_READ_IDS_MAX}).",
    )

    def validate(self, attrs):
        if ("up_to" in attrs) == ("ids" in attrs):
            raise serializers.ValidationError('Give exactly one of "up_to" and "ids".')
        return attrs


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread items this marked read.")


class UnreadSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Unread items, at most 100.")
    display = serializers.CharField(help_text='The total as a badge shows it: "5", or "99+".')
    by_type = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Unread items by type, every type (zeros included), each at most 100.",
    )


class TypePreferenceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPE_CHOICES)
    label = serializers.CharField()
    delivery = serializers.ChoiceField(choices=Delivery.choices, help_text="Yours.")
    default = serializers.ChoiceField(choices=Delivery.choices, help_text="The type's default.")


class PreferencesSerializer(serializers.Serializer):
    types = TypePreferenceSerializer(many=True)
    digest = serializers.BooleanField(
        help_text="Whether a digest of what is unread is mailed while you are away."
    )


class PreferencesUpdateSerializer(serializers.Serializer):
    types = serializers.DictField(
        child=serializers.ChoiceField(choices=Delivery.choices),
        required=False,
        help_text='Deliveries by type, such as {"mention": "off"}: off, hub or mail. A type not '
        "named keeps its delivery.",
    )
    digest = serializers.BooleanField(required=False)


class GroupLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=Level.choices,
        help_text="watching: every new post; default: replies and mentions; muted: nothing "
        "from this group.",
    )


class PostLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=Level.choices,
        help_text="watching: every comment in its thread; default; muted: nothing from it.",
    )
    watching = serializers.BooleanField(
        read_only=True,
        help_text="Whether you are told of every comment: watching, or default on your own post.",
    )
