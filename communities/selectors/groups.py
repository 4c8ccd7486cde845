"""Reads of groups and of who belongs to them, each scoped to what the viewer may see."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from communities.models import (
    Ban,
    Group,
    GroupTag,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
)
from communities.selectors.visibility import content_visible_groups, visible_groups


def group_list(
    *, viewer, tag: str | None = None, query: str | None = None, mine: bool = False
) -> QuerySet[Group]:
    """Visible groups, each with its tag names (`tag_names`) and the viewer's own standing in
    it (`viewer_role`, `viewer_joined_at` from one join on the viewer's membership,
    `viewer_request_pending`, `viewer_invited`, and `viewer_ban_at`, `viewer_ban_reason`,
    `viewer_ban_expires_at` from one join on the viewer's active ban), in one query; with
    `tag`, only the groups tagged with it whose tags the viewer may read; with `query`, only
    those whose name or description (both shown to all who may know the group) holds it, in
    any case; with `mine`, only those the viewer is a member of (none for an anonymous viewer)."""
    tag_names = GroupTag.objects.filter(group=OuterRef("pk")).order_by("tag__name")
    groups = visible_groups(viewer).annotate(tag_names=ArraySubquery(tag_names.values("tag__name")))
    if tag is not None:
        groups = groups.filter(tags__name=tag, pk__in=content_visible_groups(viewer).values("pk"))
    if query is not None:
        groups = groups.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if mine and not viewer.is_authenticated:
        groups = groups.none()
    elif mine:
        groups = groups.filter(Exists(Membership.objects.filter(group=OuterRef("pk"), user=viewer)))
    if not viewer.is_authenticated:
        return groups.annotate(
            viewer_role=_none(),
            viewer_joined_at=_none(),
            viewer_request_pending=_none(),
            viewer_invited=_none(),
            viewer_ban_at=_none(),
            viewer_ban_reason=_none(),
            viewer_ban_expires_at=_none(),
        )
    now = timezone.now()
    return groups.annotate(
        own=FilteredRelation("memberships", condition=Q(memberships__user=viewer)),
        own_ban=FilteredRelation(
            "bans",
            condition=Q(bans__user=viewer)
            & (Q(bans__expires_at__isnull=True) | Q(bans__expires_at__gt=now)),
        ),
        viewer_role=F("own__role"),
        viewer_joined_at=F("own__created_at"),
        viewer_request_pending=Exists(
            JoinRequest.objects.filter(
                group=OuterRef("pk"), user=viewer, status=JoinRequestStatus.PENDING
            )
        ),
        viewer_invited=Exists(
            Invitation.objects.filter(
                group=OuterRef("pk"), user=viewer, status=InvitationStatus.PENDING
            )
        ),
        viewer_ban_at=F("own_ban__created_at"),
        viewer_ban_reason=F("own_ban__reason"),
        viewer_ban_expires_at=F("own_ban__expires_at"),
    )


def _none():
    return Value(None, output_field=BooleanField())


def group_get(*, viewer, group_id: int) -> Group | None:
    return group_list(viewer=viewer).filter(pk=group_id).first()


def member_list(*, group: Group) -> QuerySet[Membership]:
    return Membership.objects.filter(group=group).select_related("user")


def join_request_list(*, group: Group) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(group=group, status=JoinRequestStatus.PENDING).select_related(
        "user"
    )


def ban_list(*, group: Group) -> QuerySet[Ban]:
    return Ban.objects.filter(group=group).active().select_related("user", "banned_by")


def invitation_list(*, group: Group, viewer, all_pending: bool) -> QuerySet[Invitation]:
    """Pending invitations: all of them for those who manage invitations, else the viewer's own."""
    invitations = Invitation.objects.filter(
        group=group, status=InvitationStatus.PENDING
    ).select_related("user", "invited_by")
    return invitations if all_pending else invitations.filter(user=viewer)
