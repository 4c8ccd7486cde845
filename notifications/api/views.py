"""The notifications API: the inbox, marking read, the unread count, preferences, and the
levels of a group and of a post's thread. Thin: reads through notifications.selectors (every
one through `readable_notifications`), writes through notifications.services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.selectors.visibility import post_access
from divan.exceptions import InvalidInput
from notifications import services
from notifications.api.serializers import (
    GroupLevelSerializer,
    MarkedSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    PostLevelSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    UnreadSerializer,
)
from notifications.models import Notification
from notifications.selectors import (
    group_level_get,
    notification_page_rows,
    notifications_with_actors,
    post_level_get,
    preferences_get,
    readable_group,
)
from notifications.types import TYPES, NotificationType
from notifications.unread import unread_count_kept

TYPE_PARAMETER = OpenApiParameter(
    "type",
    OpenApiTypes.STR,
    enum=[str(kind) for kind in TYPES],
    many=True,
    explode=True,
    description="Only items of these types (repeat it for several: ?type=mention&type=reaction).",
)
UNREAD_PARAMETER = OpenApiParameter(
    "unread", OpenApiTypes.BOOL, description="true: only unread items (false or absent: all)."
)


def type_filter(request) -> list[str]:
    """The `?type=` filter: each value a type of the table (a blank one is no filter)."""
    kinds = []
    for raw in request.query_params.getlist("type"):
        if not raw:
            continue
        try:
            kind = str(NotificationType(raw))
        except ValueError:
            raise InvalidInput({"type": [f'"{raw[:50]}" is not a notification type.']}) from None
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def unread_filter(request) -> bool:
    """The `?unread=` switch: `true` or `false` (absent: false); anything else is a 400."""
    raw = request.query_params.get("unread")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise InvalidInput({"unread": ['Must be "true" or "false".']})


def _preferences_body(user) -> dict:
    preferences = preferences_get(user=user)
    types = [
        {
            "type": str(kind),
            "label": spec.label,
            "delivery": preferences.delivery[str(kind)],
            "default": str(spec.default),
        }
        for kind, spec in TYPES.items()
    ]
    return {"types": types, "digest": preferences.digest}


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first: what happened to you, your content and your groups,
    each item as you may still see it (an item about a group you no longer read is gone)."""

    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        return {
            "read": MarkReadSerializer,
            "unread": UnreadSerializer,
            "preferences": PreferencesUpdateSerializer
            if self.request is not None and self.request.method == "PATCH"
            else PreferencesSerializer,
        }.get(self.action, NotificationSerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notification_page_rows(
            viewer=self.request.user,
            types=type_filter(self.request),
            unread=unread_filter(self.request),
        )

    @extend_schema(parameters=[TYPE_PARAMETER, UNREAD_PARAMETER])
    def list(self, request, *args, **kwargs):
        """A page of your inbox: each item with a few of its actors, the page in a fixed number
        of queries whatever its size."""
        rows = self.paginate_queryset(self.get_queryset())
        rows = notifications_with_actors(rows, viewer=request.user)
        return self.get_paginated_response(NotificationSerializer(rows, many=True).data)

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark read your unread items up to an id (`up_to`, as the inbox does for what it
        showed), or by ids (`ids`, at most 100): exactly one. Anyone else's ids, or unknown
        ones, are left alone."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        marked = services.notifications_mark_read(recipient=request.user, **data)
        return Response({"marked": marked})

    @extend_schema(responses={200: UnreadSerializer})
    @action(detail=False, methods=["get"])
    def unread(self, request):
        """Your unread items, in all and by type, each counted up to 100 (`display` "99+"
        from 100): the bell. Kept in Redis until something changes it (notifications.unread):
        polling costs a round trip to Redis, and one statement when it changed."""
        count = unread_count_kept(recipient=request.user)
        return Response({"total": count.total, "display": count.display, "by_type": count.by_type})

    @extend_schema(methods=["GET"], responses={200: PreferencesSerializer})
    @extend_schema(
        methods=["PATCH"],
        request=PreferencesUpdateSerializer,
        responses={200: PreferencesSerializer},
    )
    @action(detail=False, methods=["get", "patch"])
    def preferences(self, request):
        """How each type reaches you (off, in the hub, or in the hub and by mail), and whether
        you get a digest while away. PATCH changes what it names; a delivery equal to the
        type's default follows that default from then on."""
        if request.method == "PATCH":
            serializer = PreferencesUpdateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.type_settings_update(user=request.user, **serializer.validated_data)
        return Response(_preferences_body(request.user))


GROUP_PK = OpenApiParameter("group_pk", OpenApiTypes.INT, OpenApiParameter.PATH)
POST_PK = OpenApiParameter("post_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


class GroupLevelView(generics.GenericAPIView):
    """Your level for a group whose content you may read (404 otherwise): watching (told of
    every new post), default (replies and mentions) or muted (nothing from this group)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = GroupLevelSerializer

    def get_object(self):  # what OPTIONS asks before it describes PUT: 404 unless readable
        return readable_group(viewer=self.request.user, group_id=int(self.kwargs["group_pk"]))

    @extend_schema(parameters=[GROUP_PK], responses={200: GroupLevelSerializer})
    def get(self, request, group_pk):
        return Response({"level": group_level_get(user=request.user, group_id=int(group_pk))})

    @extend_schema(parameters=[GROUP_PK], responses={200: GroupLevelSerializer})
    def put(self, request, group_pk):
        serializer = GroupLevelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        level = services.group_level_set(
            user=request.user, group_id=int(group_pk), level=serializer.validated_data["level"]
        )
        return Response({"level": level})


class PostLevelView(generics.GenericAPIView):
    """Your level for the thread of a post you may read (404 otherwise): watching (told of
    every comment), default, or muted (nothing from it). `watching` says whether you are told
    of every comment: an author watches their own post until they mute it."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PostLevelSerializer

    def get_object(self):  # what OPTIONS asks before it describes PUT: 404 unless readable
        post, _access = post_access(viewer=self.request.user, post_id=int(self.kwargs["post_pk"]))
        return post

    @extend_schema(parameters=[POST_PK], responses={200: PostLevelSerializer})
    def get(self, request, post_pk):
        state = post_level_get(user=request.user, post_id=int(post_pk))
        return Response({"level": state.level, "watching": state.watching})

    @extend_schema(parameters=[POST_PK], responses={200: PostLevelSerializer})
    def put(self, request, post_pk):
        serializer = PostLevelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = services.post_level_set(
            user=request.user, post_id=int(post_pk), level=serializer.validated_data["level"]
        )
        return Response({"level": state.level, "watching": state.watching})
