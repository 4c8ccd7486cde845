"""Who may see what: the one place that decides group visibility for a viewer."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from communities.models import (
    Comment,
    Group,
    Invitation,
    InvitationStatus,
    Membership,
    Post,
    Visibility,
)
from communities.roles import MODERATOR_ROLES, Action, role_allows
from divan.exceptions import NotFound, PermissionDenied


def _is_member(viewer) -> Exists:
    return Exists(Membership.objects.filter(group=OuterRef("pk"), user=viewer))


def visible_groups(viewer) -> QuerySet[Group]:
    """Groups the viewer may know exist: public and private ones, and secret ones they belong to
    or are invited to. Archived groups are gone for everyone."""
    groups = Group.objects.filter(archived_at__isnull=True)
    if not viewer.is_authenticated:
        return groups.exclude(visibility=Visibility.SECRET)
    invited = Exists(
        Invitation.objects.filter(
            group=OuterRef("pk"), user=viewer, status=InvitationStatus.PENDING
        )
    )
    return groups.filter(~Q(visibility=Visibility.SECRET) | _is_member(viewer) | invited)


def content_visible_groups(viewer) -> QuerySet[Group]:
    """Groups whose content (posts, members, counts) the viewer may read: public ones, and the
    ones they belong to."""
    groups = Group.objects.filter(archived_at__isnull=True)
    if not viewer.is_authenticated:
        return groups.filter(visibility=Visibility.PUBLIC)
    return groups.filter(Q(visibility=Visibility.PUBLIC) | _is_member(viewer))


def moderated_groups(viewer) -> QuerySet[Group]:
    """Groups in which the viewer is a moderator, an admin or an owner."""
    if not viewer.is_authenticated:
        return Group.objects.none()
    return Group.objects.filter(memberships__user=viewer, memberships__role__in=MODERATOR_ROLES)


def visible_posts(viewer, *, include_removed: bool = False) -> QuerySet[Post]:
    """Posts the viewer may read: in groups whose content they see, not deleted, not hidden.
    With include_removed, a group's moderators also see its deleted and hidden posts."""
    posts = Post.objects.filter(group__in=content_visible_groups(viewer))
    shown = Q(hidden_at__isnull=True, deleted_at__isnull=True)
    if include_removed:
        shown |= Q(group__in=moderated_groups(viewer))
    else:
        posts = posts.filter(deleted_at__isnull=True)
        shown = Q(hidden_at__isnull=True) | Q(group__in=moderated_groups(viewer))
    return posts.filter(shown)


def visible_comments(viewer) -> QuerySet[Comment]:
    """Comments on posts the viewer may read; hidden ones only for the group's moderators.
    Deleted comments stay in the queryset: a thread shows them as "[deleted]" placeholders."""
    return Comment.objects.filter(post__in=visible_posts(viewer)).filter(
        Q(hidden_at__isnull=True) | Q(post__group__in=moderated_groups(viewer))
    )


@dataclass(frozen=True)
class GroupAccess:
    """A group as one viewer sees it, with the viewer's role (None for non-members)."""

    group: Group
    role: str | None

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def can_view_content(self) -> bool:
        return self.group.visibility == Visibility.PUBLIC or self.is_member

    def allows(self, action: Action) -> bool:
        return role_allows(self.role, action)

    def require_content(self) -> None:
        if not self.can_view_content:
            raise PermissionDenied("Only members can see this group's content.")

    @property
    def is_moderator(self) -> bool:
        return self.allows(Action.MODERATE_CONTENT)

    def require(self, action: Action) -> None:
        if not self.allows(action):
            raise PermissionDenied("Your role in this group does not allow this action.")


def role_in_group(*, group_id: int, user) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(group_id=group_id, user=user).values_list("role", flat=True)
    ).first()


def group_access(*, viewer, group_id: int) -> GroupAccess:
    """The group if the viewer may know it exists, else NotFound (secret groups stay secret)."""
    group = visible_groups(viewer).filter(pk=group_id).first()
    if group is None:
        raise NotFound("No group matches the given query.")
    return GroupAccess(group=group, role=role_in_group(group_id=group.pk, user=viewer))


def post_access(*, viewer, post_id: int, include_removed: bool = False) -> tuple[Post, GroupAccess]:
    """A post the viewer may read, with the viewer's standing in its group, else NotFound."""
    post = (
        visible_posts(viewer, include_removed=include_removed)
        .select_related("group")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise NotFound("No post matches the given query.")
    return post, GroupAccess(
        group=post.group, role=role_in_group(group_id=post.group_id, user=viewer)
    )
