"""Blocks and mutes over HTTP: the people you block or mute, and blocking, muting and undoing
either by username."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from communities.api.people import USERNAME_PATTERN, UserNameSerializer
from communities.models import Block, BlockKind
from communities.selectors.blocks import block_list, blocked_user
from communities.selectors.people import user_get
from communities.services.blocks import block_remove, block_set
from divan.idempotency import idempotent


class BlockSerializer(serializers.ModelSerializer):
    user = UserNameSerializer(source="target", read_only=True)

    class Meta:
        model = Block
        fields = ("user", "kind", "created_at")
        read_only_fields = fields
        extra_kwargs = {"created_at": {"help_text": "Since when it is of this kind."}}


class BlockCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="Whom (any case).")
    kind = serializers.ChoiceField(
        choices=BlockKind.choices,
        help_text="mute: their actions never notify you; block: that, and their posts and "
        "comments are left out of your feeds, threads and search.",
    )


class BlockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The people you block or mute, newest first. POST {"username", "kind"} blocks or mutes
    someone (201; 200 when you already did, the kind now as asked); DELETE blocks/{username}/
    undoes it (204). Nobody is told."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "username"
    lookup_value_regex = USERNAME_PATTERN

    def get_serializer_class(self):
        return BlockCreateSerializer if self.action == "create" else BlockSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Block.objects.none()
        return block_list(user=self.request.user)

    @extend_schema(responses={201: BlockSerializer, 200: BlockSerializer})
    @idempotent
    def create(self, request):
        serializer = BlockCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = user_get(username=serializer.validated_data["username"])
        block, created = block_set(
            user=request.user, target=target, kind=serializer.validated_data["kind"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(BlockSerializer(block).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH)],
        responses={204: None},
    )
    def destroy(self, request, username=None):
        block_remove(user=request.user, target=blocked_user(user=request.user, username=username))
        return Response(status=status.HTTP_204_NO_CONTENT)
