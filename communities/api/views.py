"""Thin viewsets: scope reads to the viewer through selectors, hand writes to services."""

from functools import cached_property

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.filters import (
    GROUP_QUERY_PARAMETER,
    MINE_PARAMETER,
    TAG_PARAMETER,
    group_query_filter,
    mine_filter,
    tag_filter,
)
from communities.api.serializers import (
    BanCreateSerializer,
    BanSerializer,
    GroupCreateSerializer,
    GroupSerializer,
    GroupUpdateSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    JoinOutcomeSerializer,
    JoinRequestSerializer,
    MembershipSerializer,
    RoleSerializer,
)
from communities.models import Ban, Invitation, JoinRequest, Membership
from communities.roles import Action
from communities.selectors.groups import (
    ban_list,
    group_get,
    group_list,
    invitation_list,
    join_request_list,
    member_list,
)
from communities.selectors.visibility import GroupAccess, group_access
from communities.services import groups as group_services
from communities.services import membership as membership_services
from divan.api.serializers import EmptySerializer
from divan.idempotency import idempotent

ID_PATTERN = r"[0-9]{1,18}"  # fits a bigint, so a huge id is a 404 rather than a database error


def _validated(view, data) -> dict:
    serializer = view.get_serializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(parameters=[TAG_PARAMETER, GROUP_QUERY_PARAMETER, MINE_PARAMETER])
)
class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Groups the viewer may see. Create one, and join or leave it."""

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if self.action == "list":
            return group_list(
                viewer=self.request.user,
                tag=tag_filter(self.request),
                query=group_query_filter(self.request),
                mine=mine_filter(self.request),
            )
        return group_list(viewer=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return GroupCreateSerializer
        if self.action in ("update", "partial_update"):
            return GroupUpdateSerializer
        if self.action in ("join", "leave"):
            return EmptySerializer
        return GroupSerializer

    def _group_response(self, group_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        group = group_get(viewer=self.request.user, group_id=group_id)
        return Response(GroupSerializer(group).data, status=status_code)

    @extend_schema(responses={201: GroupSerializer})
    @idempotent
    def create(self, request):
        group = group_services.group_create(creator=request.user, **_validated(self, request.data))
        return self._group_response(group.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: GroupSerializer})
    def update(self, request, pk=None):
        group = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        group_services.group_update(actor=request.user, group=group, **serializer.validated_data)
        return self._group_response(group.pk)

    @extend_schema(responses={200: GroupSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        group_services.group_archive(actor=request.user, group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            200: JoinOutcomeSerializer,
            201: JoinOutcomeSerializer,
            202: JoinOutcomeSerializer,
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    @idempotent
    def join(self, request, pk=None):
        outcome = membership_services.group_join(user=request.user, group=self.get_object())
        if not outcome.created:
            code = status.HTTP_200_OK
        elif outcome.membership:
            code = status.HTTP_201_CREATED
        else:
            code = status.HTTP_202_ACCEPTED
        return Response(JoinOutcomeSerializer(outcome).data, status=code)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def leave(self, request, pk=None):
        membership_services.group_leave(user=request.user, group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupScopedViewSet(viewsets.GenericViewSet):
    """Base for views under groups/{group_pk}/: the group as this viewer may see it."""

    @cached_property
    def access(self) -> GroupAccess:
        return group_access(viewer=self.request.user, group_id=int(self.kwargs["group_pk"]))

    @property
    def group(self):
        return self.access.group

    def _fake(self) -> bool:  # schema generation builds views without a request's group
        return getattr(self, "swagger_fake_view", False)


class MemberViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Members and their roles. Owners and admins change roles and remove members."""

    lookup_field = "user_id"
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        return RoleSerializer if self.action == "partial_update" else MembershipSerializer

    def get_queryset(self):
        if self._fake():
            return Membership.objects.none()
        self.access.require_content()
        return member_list(group=self.group)

    @extend_schema(responses={200: MembershipSerializer})
    def partial_update(self, request, group_pk=None, user_id=None):
        membership = membership_services.membership_change_role(
            actor=request.user,
            group=self.group,
            user_id=int(user_id),
            **_validated(self, request.data),
        )
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request, group_pk=None, user_id=None):
        membership_services.membership_remove(
            actor=request.user, group=self.group, user_id=int(user_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class JoinRequestViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Pending requests to join a private group, for its moderators, admins and owners."""

    serializer_class = JoinRequestSerializer
    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if self._fake():
            return JoinRequest.objects.none()
        self.access.require(Action.DECIDE_JOIN_REQUESTS)
        return join_request_list(group=self.group)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, group_pk=None, pk=None):
        join_request = membership_services.join_request_approve(
            actor=request.user, group=self.group, request_id=int(pk)
        )
        return Response(JoinRequestSerializer(join_request).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def deny(self, request, group_pk=None, pk=None):
        join_request = membership_services.join_request_deny(
            actor=request.user, group=self.group, request_id=int(pk)
        )
        return Response(JoinRequestSerializer(join_request).data)


class BanViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Active bans. Moderators and up ban users below their own role, and lift bans."""

    lookup_field = "user_id"
    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        return BanCreateSerializer if self.action == "create" else BanSerializer

    def get_queryset(self):
        if self._fake():
            return Ban.objects.none()
        self.access.require(Action.MANAGE_BANS)
        return ban_list(group=self.group)

    @extend_schema(responses={201: BanSerializer})
    @idempotent
    def create(self, request, group_pk=None):
        data = _validated(self, request.data)
        ban = membership_services.membership_ban(
            actor=request.user,
            group=self.group,
            user_id=data["user"],
            reason=data["reason"],
            expires_at=data["expires_at"],
        )
        return Response(BanSerializer(ban).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, group_pk=None, user_id=None):
        membership_services.membership_unban(
            actor=request.user, group=self.group, user_id=int(user_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(mixins.ListModelMixin, GroupScopedViewSet):
    """Invitations to private and secret groups. The invitee joins through `join/`, or
    declines with DELETE; moderators and up invite and revoke."""

    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]

    def get_serializer_class(self):
        return InvitationCreateSerializer if self.action == "create" else InvitationSerializer

    def get_queryset(self):
        if self._fake():
            return Invitation.objects.none()
        return invitation_list(
            group=self.group,
            viewer=self.request.user,
            all_pending=self.access.allows(Action.MANAGE_INVITATIONS),
        )

    @extend_schema(responses={201: InvitationSerializer, 200: InvitationSerializer})
    @idempotent
    def create(self, request, group_pk=None):
        invitation, created = membership_services.invitation_create(
            actor=request.user, group=self.group, user_id=_validated(self, request.data)["user"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(InvitationSerializer(invitation).data, status=code)

    def destroy(self, request, group_pk=None, pk=None):
        membership_services.invitation_cancel(
            actor=request.user, group=self.group, invitation_id=int(pk)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
