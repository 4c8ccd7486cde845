"""The feeds over HTTP: GET feed/ (yours) and GET groups/{id}/feed/ (a group's)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.serializers import PostSerializer
from communities.api.views import GroupScopedViewSet
from communities.models import Post
from divan.pagination import CursorPagination
from divan.throttling import FeedRebuildThrottle, UserThrottle, WriteThrottle
from feeds.pages import feed_page
from feeds.selectors import ORDERING, ORDERS, TOP, group_feed_posts
from feeds.services import feed_rebuild

ORDER_PARAMETER = OpenApiParameter(
    "order", str, enum=list(ORDERS),
    description="`top` (default): by score, from reactions, comments, reputation and freshness;"
    " `recent`: newest first.",
)  # fmt: skip


class RebuiltSerializer(serializers.Serializer):
    entries = serializers.IntegerField(help_text="The posts in your feed after the rebuild.")


class FeedPagination(CursorPagination):
    def get_ordering(self, request, queryset, view):
        return ORDERING[view.feed_order]


class FeedMixin:
    serializer_class = PostSerializer
    pagination_class = FeedPagination

    @property
    def feed_order(self) -> str:
        order = self.request.query_params.get("order", TOP) or TOP
        if order not in ORDERS:
            raise serializers.ValidationError(
                {"order": [f'"{order[:50]}" is not a valid choice. Choose from: top, recent.']}
            )
        return order


@extend_schema_view(list=extend_schema(parameters=[ORDER_PARAMETER]))
class FeedViewSet(FeedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your feed: the posts of your groups, ranked (`top`) or newest first (`recent`)."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Post.objects.none()  # for the schema: list reads its page from feed_page

    def list(self, request, *args, **kwargs):
        """A page from the reader's Redis set when it is warm and the page it gives can be
        trusted (full, or the last there is, and no failed cache write covers the reader); else
        from PostgreSQL (feeds.selectors)."""
        # (the docstring is the schema's text) feeds.pages.feed_page decides; this parses, renders
        paginator = self.paginator
        page = feed_page(
            viewer=request.user,
            order=self.feed_order,
            cursor=paginator.decode_cursor(request),
            page_size=paginator.get_page_size(request),
        )
        posts = paginator.paginate_page(page, request)
        return paginator.get_paginated_response(self.get_serializer(posts, many=True).data)

    @extend_schema(request=None, responses={200: RebuiltSerializer})
    @action(
        detail=False,
        methods=["post"],
        throttle_classes=[UserThrottle, WriteThrottle, FeedRebuildThrottle],
    )
    def rebuild(self, request):
        """Rebuild your feed from the groups you belong to (THROTTLE_FEED_REBUILD_RATE)."""
        entries = feed_rebuild(user_id=request.user.pk, rescore=True)
        return Response(RebuiltSerializer({"entries": entries}).data, status=status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(parameters=[ORDER_PARAMETER]))
class GroupFeedViewSet(FeedMixin, mixins.ListModelMixin, GroupScopedViewSet):
    """A group's feed: its posts, ranked (`top`) or newest first (`recent`)."""

    def get_queryset(self):
        if self._fake():
            return Post.objects.none()
        return group_feed_posts(viewer=self.request.user, access=self.access, order=self.feed_order)
