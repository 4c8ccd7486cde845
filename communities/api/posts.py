"""Posts and topic tags over HTTP: a group's posts, one post and its moderation, the tag list."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.filters import TAG_PARAMETER, tag_filter
from communities.api.serializers import (
    PostCreateSerializer,
    PostModerationReasonSerializer,
    PostSerializer,
    PostUpdateSerializer,
    TagSerializer,
)
from communities.api.views import ID_PATTERN, GroupScopedViewSet, _validated
from communities.models import Post, Tag
from communities.selectors.posts import post_get, post_list
from communities.selectors.tags import tag_list
from communities.selectors.visibility import post_access
from communities.services import posts as post_services
from communities.services.tags import tag_prefix_normalize
from divan.idempotency import idempotent
from divan.pagination import CursorPagination


class PostPagination(CursorPagination):
    ordering = "-sort_key"  # pinned first (their sort_key is offset), then newest first


class TagPagination(CursorPagination):
    ordering = "name"


def _post_response(request, post_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    post = post_get(viewer=request.user, post_id=post_id)
    return Response(PostSerializer(post, context={"request": request}).data, status=status_code)


def _created_post_response(request, post: Post, *, role: str) -> Response:
    """The 201 of a create: what `_post_response` would read back, from what the create holds
    (its author is the viewer, a member with `role`, not banned; its `tag_names` come from
    post_create, nothing is counted and the viewer has no reactions on it yet), without reading
    it back."""
    post.viewer_kinds = []
    post.viewer_role, post.viewer_banned, post.viewer_is_author = role, False, True
    serialized = PostSerializer(post, context={"request": request}).data
    return Response(serialized, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[TAG_PARAMETER]))
class GroupPostViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """A group's posts, pinned first, then newest first. Members post."""

    pagination_class = PostPagination

    def get_serializer_class(self):
        return PostCreateSerializer if self.action == "create" else PostSerializer

    def get_queryset(self):
        if self._fake():
            return Post.objects.none()
        return post_list(viewer=self.request.user, access=self.access, tag=tag_filter(self.request))

    @extend_schema(responses={201: PostSerializer})
    @idempotent
    def create(self, request, group_pk=None):
        group = self.group  # a secret group stays a 404, whatever the body
        post = post_services.post_create(
            author=request.user, group=group, **_validated(self, request.data)
        )
        return _created_post_response(request, post, role=self.access.role)


class PostViewSet(viewsets.GenericViewSet):
    """One post: read it, edit it (its author), delete it (its author or a moderator), and the
    moderators' pin, unpin, lock, unlock, hide and restore."""

    queryset = Post.objects.none()  # every action reads through the selectors
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        if self.action == "partial_update":
            return PostUpdateSerializer
        if self.action in ("hide", "restore"):
            return PostModerationReasonSerializer
        return PostSerializer

    def _post(self, pk) -> Post:
        """The post for a write: NotFound unless the viewer may read it (moderators also reach
        hidden posts); the services decide who may do what with it."""
        post, _ = post_access(viewer=self.request.user, post_id=int(pk))
        return post

    def retrieve(self, request, pk=None):
        return _post_response(request, int(pk))

    @extend_schema(responses={200: PostSerializer})
    def partial_update(self, request, pk=None):
        post = self._post(pk)
        post_services.post_update(actor=request.user, post=post, **_validated(self, request.data))
        return _post_response(request, post.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        post_services.post_delete(actor=request.user, post=self._post(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _moderate(self, service, pk, **kwargs) -> Response:
        post = self._post(pk)
        service(actor=self.request.user, post=post, **kwargs)
        return _post_response(self.request, post.pk)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def pin(self, request, pk=None):
        return self._moderate(post_services.post_pin, pk)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def unpin(self, request, pk=None):
        return self._moderate(post_services.post_unpin, pk)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def lock(self, request, pk=None):
        return self._moderate(post_services.post_lock, pk)

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def unlock(self, request, pk=None):
        return self._moderate(post_services.post_unlock, pk)

    @extend_schema(responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def hide(self, request, pk=None):
        post = self._post(pk)
        reason = _validated(self, request.data)["reason"]
        post_services.post_hide(actor=request.user, post=post, reason=reason)
        return _post_response(request, post.pk)

    @extend_schema(responses={200: PostSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def restore(self, request, pk=None):
        post = self._post(pk)
        reason = _validated(self, request.data)["reason"]
        post_services.post_restore(actor=request.user, post=post, reason=reason)
        return _post_response(request, post.pk)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("prefix", str, description="Only tags that start with this.")]
    )
)
class TagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Tags of the posts you may read, each with how many of them carry it, by name."""

    serializer_class = TagSerializer
    pagination_class = TagPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tag.objects.none()
        prefix = tag_prefix_normalize(self.request.query_params.get("prefix", ""))
        return tag_list(viewer=self.request.user, prefix=prefix)
