"""Comments API: a post's thread, replies, edits, soft deletes, and moderators' hide and restore."""

from functools import cached_property

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.attachments import SCHEMA as ATTACHMENTS_SCHEMA
from communities.api.attachments import attachments_shown
from communities.api.serializers import (
    REACTION_COUNTS_SCHEMA,
    ReactionSummaryMixin,
    datetime_text,
    id_field,
    my_reactions,
    permissions_field,
    reaction_counts,
    viewer_standing,
)
from communities.api.views import ID_PATTERN
from communities.models import Comment
from communities.roles import ContentAction, comment_permissions
from communities.selectors.comments import (
    comment_access,
    comment_for_reply,
    comment_get,
    comment_thread,
)
from communities.selectors.visibility import post_access
from communities.services import comments as comment_services
from divan.api.serializers import UserSummarySerializer, user_summary
from divan.api.shapes import CompiledShape
from divan.idempotency import idempotent
from divan.pagination import CursorPagination

DELETED_BODY = "[deleted]"
REMOVED_BODY = "[removed]"  # hidden by the moderators, shown only to keep its replies in place
BLOCKED_BODY = "[blocked]"  # by someone the viewer blocks, shown only to keep its replies in place
PIN_AND_LOCK = {ContentAction.PIN, ContentAction.UNPIN, ContentAction.LOCK, ContentAction.UNLOCK,
                ContentAction.COMMENT}  # fmt: skip


class CommentSerializer(CompiledShape, ReactionSummaryMixin, serializers.ModelSerializer):
    """A comment as a thread shows it; a placeholder (no author, no body) when deleted, when
    hidden from this viewer or by someone they block, and kept only because replies hang from
    it."""

    # a placeholder tells nothing of what it held: hence the methods in place of plain fields
    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    reactions_count = serializers.SerializerMethodField()
    edited_at = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = (
            "id",
            "post",
            "parent",
            "depth",
            "author",
            "body",
            "attachments",
            "reaction_counts",
            "reactions_count",
            "my_reactions",
            "deleted",
            "hidden",
            "edited_at",
            "created_at",
            "permissions",
        )
        read_only_fields = fields

    @staticmethod
    def _shown(comment) -> bool:
        return comment.deleted_at is None and getattr(comment, "readable", True)

    @extend_schema_field(UserSummarySerializer(allow_null=True))
    def get_author(self, comment) -> dict | None:
        return user_summary(comment.author) if self._shown(comment) else None

    def get_body(self, comment) -> str:
        if comment.deleted_at is not None:
            return DELETED_BODY
        if self._shown(comment):
            return comment.body
        return REMOVED_BODY if comment.hidden_at is not None else BLOCKED_BODY

    @extend_schema_field(ATTACHMENTS_SCHEMA)
    def get_attachments(self, comment) -> list[dict]:
        """None for a placeholder: it tells nothing of what it held."""
        if not self._shown(comment):
            return []
        rows = getattr(comment, "attachment_rows", None)
        return attachments_shown(rows, request=self.context.get("request"))

    @REACTION_COUNTS_SCHEMA
    def get_reaction_counts(self, comment) -> dict[str, int]:
        if not self._shown(comment):
            return dict.fromkeys(settings.REACTION_KINDS, 0)
        return reaction_counts(comment)

    def get_reactions_count(self, comment) -> int:
        return comment.reactions_count if self._shown(comment) else 0

    def get_my_reactions(self, comment) -> list[str]:
        return my_reactions(comment) if self._shown(comment) else []

    @extend_schema_field(serializers.DateTimeField(read_only=True, allow_null=True))
    def get_edited_at(self, comment) -> str | None:
        return datetime_text(comment.edited_at) if self._shown(comment) else None

    def get_deleted(self, comment) -> bool:
        return comment.deleted_at is not None

    def get_hidden(self, comment) -> bool:
        return comment.hidden_at is not None

    @permissions_field(
        [a for a in ContentAction if a not in PIN_AND_LOCK],
        "What you may do to this comment now (edit, delete, hide, restore, reply, react,"
        " report): what its endpoints would accept from you; none on a placeholder.",
    )
    def get_permissions(self, comment) -> list[str]:
        if not self._shown(comment):
            return []
        return comment_permissions(
            comment, post_locked=comment.post_locked, **viewer_standing(comment)
        )


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=settings.COMMENT_BODY_MAX_LENGTH)
    parent = id_field(required=False, allow_null=True, help_text="The comment replied to.")
    attachments = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=100,
        help_text="Ids of your own ready uploads, in order (at most UPLOAD_MAX_PER_COMMENT).",
    )  # fmt: skip


class CommentUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=settings.COMMENT_BODY_MAX_LENGTH)
    attachments = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=100,
        help_text="The comment's attachments from now on: ids of your own ready uploads.",
    )  # fmt: skip


class ModerationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ThreadPagination(CursorPagination):
    ordering = "path"  # depth-first: each comment right after its parent and elder siblings


def _created_comment_response(request, comment: Comment, *, role: str) -> Response:
    """The 201 of a create: what comment_get would read back, from what the create holds (its
    author is the viewer, a member with `role`, not banned; its post was unlocked under the
    create's lock; nothing is counted and the viewer has no reactions on it yet), without
    reading it back."""
    comment.viewer_kinds = []
    comment.viewer_role, comment.viewer_banned, comment.viewer_is_author = role, False, True
    comment.post_locked = False
    serialized = CommentSerializer(comment, context={"request": request}).data
    return Response(serialized, status=status.HTTP_201_CREATED)


class PostCommentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A post's thread, depth first (GET); comment or reply with `parent` (POST, members)."""

    pagination_class = ThreadPagination

    def get_serializer_class(self):
        return CommentCreateSerializer if self.action == "create" else CommentSerializer

    @cached_property
    def target(self):
        """The post, if the viewer may read it, with the viewer's standing in its group."""
        return post_access(viewer=self.request.user, post_id=int(self.kwargs["post_pk"]))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        post, access = self.target
        return comment_thread(viewer=self.request.user, access=access, post_id=post.pk)

    @extend_schema(responses={201: CommentSerializer})
    @idempotent
    def create(self, request, post_pk=None):
        post, access = self.target
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data.get("parent") is not None:
            parent = comment_for_reply(
                viewer=request.user, post_id=post.pk, comment_id=data["parent"]
            )
        comment = comment_services.comment_create(
            author=request.user,
            post=post,
            body=data["body"],
            parent=parent,
            attachments=data.get("attachments", []),
        )
        return _created_comment_response(request, comment, role=access.role)


class CommentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One comment: GET; PATCH {"body"} by its author; DELETE (soft) by its author or a
    moderator; hide/ and restore/ by moderators, with an optional {"reason"}."""

    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        if self.action == "partial_update":
            return CommentUpdateSerializer
        if self.action in ("hide", "restore"):
            return ModerationReasonSerializer
        return CommentSerializer

    def get_queryset(self):  # for the schema and the browsable API; reads go through selectors
        return Comment.objects.none()

    def _comment(self) -> Comment:
        comment, _access = comment_access(
            viewer=self.request.user, comment_id=int(self.kwargs["pk"])
        )
        return comment

    def _shown(self, comment: Comment) -> Response:
        return self.retrieve(self.request, pk=comment.pk)

    def retrieve(self, request, pk=None):
        comment = comment_get(viewer=request.user, comment_id=int(pk))
        return Response(CommentSerializer(comment, context={"request": request}).data)

    @extend_schema(responses={200: CommentSerializer})
    def partial_update(self, request, pk=None):
        comment = self._comment()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment_services.comment_update(
            actor=request.user,
            comment=comment,
            body=serializer.validated_data["body"],
            attachments=serializer.validated_data.get("attachments"),
        )
        return self._shown(comment)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        comment_services.comment_delete(actor=request.user, comment=self._comment())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: CommentSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def hide(self, request, pk=None):
        return self._moderate(request, comment_services.comment_hide)

    @extend_schema(responses={200: CommentSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        return self._moderate(request, comment_services.comment_restore)

    def _moderate(self, request, service) -> Response:
        comment = self._comment()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(actor=request.user, comment=comment, reason=serializer.validated_data["reason"])
        return self._shown(comment)
