"""People over HTTP: find users by a name prefix, and a user's profile and public activity."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.comments import CommentSerializer
from communities.api.serializers import PostSerializer
from communities.models import BlockKind
from communities.selectors.blocks import block_kind
from communities.selectors.people import user_comments, user_get, user_posts, user_search
from divan.models import User

USERNAME_PATTERN = r"[\w.@+-]{1,150}"  # Django's username characters


class UserSearchQuerySerializer(serializers.Serializer):
    prefix = serializers.CharField(
        max_length=150, help_text="The start of a username, in any case (1 to 150 characters)."
    )


class UserNameSerializer(serializers.ModelSerializer):
    """Only what a username already tells: no groups, no email, no standing."""

    class Meta:
        model = User
        fields = ("id", "username")
        read_only_fields = fields


class ProfileSerializer(serializers.ModelSerializer):
    # set by the view from the viewer's Block row (communities.selectors.blocks.block_kind)
    viewer_block = serializers.ChoiceField(
        choices=BlockKind.choices,
        allow_null=True,
        read_only=True,
        help_text="Whether you block or mute this person (null: neither, or signed out).",
    )

    class Meta:
        model = User
        fields = ("id", "username", "reputation", "date_joined", "viewer_block")
        read_only_fields = fields


class UserViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People: `?prefix=` finds up to 20 active users by username (signed in); a profile by
    username, with the live posts and comments of theirs that you may read."""

    queryset = User.objects.none()  # reads go through the selectors; this serves the schema
    lookup_field = "username"
    lookup_value_regex = USERNAME_PATTERN

    def get_permissions(self):
        if self.action == "list":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "list":
            return UserNameSerializer
        if self.action == "posts":
            return PostSerializer
        if self.action == "comments":
            return CommentSerializer
        return ProfileSerializer

    @extend_schema(
        parameters=[UserSearchQuerySerializer], responses={200: UserNameSerializer(many=True)}
    )
    def list(self, request):
        """A name lookup for the endpoints that take users, not a directory: unpaginated, at
        most 20, by username."""
        query = UserSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        users = user_search(prefix=query.validated_data["prefix"])
        return Response(UserNameSerializer(users, many=True).data)

    def retrieve(self, request, username=None):
        person = user_get(username=username)
        person.viewer_block = block_kind(viewer=request.user, target=person)
        return Response(ProfileSerializer(person).data)

    def _page(self, queryset) -> Response:
        page = self.paginate_queryset(queryset)
        serialized = self.get_serializer(page, many=True).data
        return self.get_paginated_response(serialized)

    @extend_schema(responses={200: PostSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def posts(self, request, username=None):
        """Their live posts in groups whose content you may read, newest first."""
        author = user_get(username=username)
        return self._page(user_posts(viewer=request.user, author=author))

    @extend_schema(responses={200: CommentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def comments(self, request, username=None):
        """Their live comments on posts you may read, newest first."""
        author = user_get(username=username)
        return self._page(user_comments(viewer=request.user, author=author))
