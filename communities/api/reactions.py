"""Reactions API: add, remove and list the reactions to a post or a comment."""

from functools import cached_property

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from communities.models import Reaction
from communities.selectors.comments import comment_access
from communities.selectors.reactions import reaction_list
from communities.selectors.visibility import post_access
from communities.services.reactions import reaction_add, reaction_kind_check, reaction_remove
from divan.api.serializers import UserSummarySerializer
from divan.exceptions import InvalidInput
from divan.idempotency import idempotent


class ReactionSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Reaction
        fields = ("id", "user", "kind", "post", "comment", "created_at")
        read_only_fields = fields


class ReactionCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(
        max_length=32, help_text="One of the configured kinds (REACTION_KINDS)."
    )


KIND_FILTER = OpenApiParameter(
    "kind", OpenApiTypes.STR, description="Only reactions of this kind (one of REACTION_KINDS)."
)
KIND_TO_REMOVE = OpenApiParameter(
    "kind", OpenApiTypes.STR, required=True, description="The kind of your reaction to remove."
)


def _kind_from_query(request, *, required: bool) -> str | None:
    kind = request.query_params.get("kind")
    if kind is None:
        if required:
            raise InvalidInput({"kind": ["This field is required."]})
        return None
    reaction_kind_check(kind)
    return kind


class ReactionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Base for a target's reactions; subclasses say which target, from the URL."""

    def get_serializer_class(self):
        return ReactionCreateSerializer if self.action == "create" else ReactionSerializer

    def _target(self) -> dict:
        raise NotImplementedError

    def _list_filter(self) -> dict:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reaction.objects.none()
        self._target()  # 404 unless the viewer may read the target
        kind = _kind_from_query(self.request, required=False)
        return reaction_list(viewer=self.request.user, kind=kind, **self._list_filter())

    @extend_schema(parameters=[KIND_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={201: ReactionSerializer, 200: ReactionSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        target = self._target()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reaction, created = reaction_add(
            user=request.user, kind=serializer.validated_data["kind"], **target
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReactionSerializer(reaction).data, status=code)

    @extend_schema(
        parameters=[KIND_TO_REMOVE],
        request=None,
        responses={204: None},
    )
    def remove(self, request, *args, **kwargs):
        target = self._target()
        kind = _kind_from_query(request, required=True)
        reaction_remove(user=request.user, kind=kind, **target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostReactionViewSet(ReactionViewSet):
    """Reactions to a post. GET: who reacted, newest first (?kind= filters). POST {"kind"}: add
    yours (201, or 200 with the one you already have). DELETE ?kind=: remove yours (204, whether
    or not you had it). Members add; a locked post takes no new reactions."""

    @cached_property
    def _post(self):
        post, _access = post_access(viewer=self.request.user, post_id=int(self.kwargs["post_pk"]))
        return post

    def _target(self) -> dict:
        return {"post": self._post}

    def _list_filter(self) -> dict:
        return {"post_id": self._post.pk}


class CommentReactionViewSet(ReactionViewSet):
    """Reactions to a comment. GET: who reacted, newest first (?kind= filters). POST {"kind"}:
    add yours (201, or 200 with the one you already have). DELETE ?kind=: remove yours (204,
    whether or not you had it). Members add; a locked post's comments take no new reactions."""

    @cached_property
    def _comment(self):
        comment, _access = comment_access(
            viewer=self.request.user, comment_id=int(self.kwargs["comment_pk"])
        )
        return comment

    def _target(self) -> dict:
        return {"comment": self._comment}

    def _list_filter(self) -> dict:
        return {"comment_id": self._comment.pk}
