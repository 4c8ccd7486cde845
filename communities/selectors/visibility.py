"""Who may see what: the one place that decides it, for groups, posts and comments.

The rule is stated once, as two tables by a group's visibility: who may know the group exists
(MAY_KNOW) and who may read what is in it, its members, counts, tags and content (MAY_READ).
Everything else derives from them: the SQL filters that lists use (`visible_groups`,
`content_visible_groups`, `visible_posts`, `visible_comments`), and the checks in Python on a
row loaded with the viewer's standing (`GroupAccess`, `post_access`, `comment_access`), which
cost one query where a filter in SQL would cost a subquery per row. What is live (a post, a
group) is communities/rules.py's, composed here, not restated.

A viewer's blocks (communities.models.Block) are a third table, KEEPS_OUT: what each kind keeps
out of the viewer's lists. Each list's filter composes it (`visible_posts`, `visible_comments`,
`readable_posts`, and through `not_blocked_q` the feed's, search's and a thread's); a direct
link (`post_access`, `post_shown`) still opens, and moderation views read no blocks.
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from communities import queries
from communities.models import (
    Ban,
    BlockKind,
    Comment,
    Group,
    Invitation,
    InvitationStatus,
    Membership,
    Post,
    Visibility,
)
from communities.roles import MODERATOR_ROLES, Action, role_allows
from communities.rules import LIVE_GROUP, LIVE_POST, NOT_DELETED, NOT_HIDDEN
from divan.exceptions import NotFound, PermissionDenied

EVERYONE = "everyone"
MEMBERS = "members"
MEMBERS_AND_INVITEES = "members and invitees"

# Who may know that a group exists (see it listed, open it); an archived group is gone for all.
MAY_KNOW = {
    Visibility.PUBLIC: EVERYONE,
    Visibility.PRIVATE: EVERYONE,
    Visibility.SECRET: MEMBERS_AND_INVITEES,
}
# Who may read what is in a group: its members and their count, its tags, its posts.
MAY_READ = {
    Visibility.PUBLIC: EVERYONE,
    Visibility.PRIVATE: MEMBERS,
    Visibility.SECRET: MEMBERS,
}

# What a viewer's own blocks and mutes keep out of the lists they read (feeds, a group's posts,
# threads, search, a person's posts and comments): a block, the blocked person's posts and
# comments; a mute, nothing (it only silences notifications: notifications/). The block is the
# viewer's alone: what others see, and every count, stay as they are.
KEEPS_OUT = {BlockKind.BLOCK: True, BlockKind.MUTE: False}
_KEPT_OUT = [kind.value for kind, keeps_out in KEEPS_OUT.items() if keeps_out]


def _in(audience: str, *, role: str | None, invited: bool = False) -> bool:
    """Whether a viewer with this role in a group (None: not a member) is in the audience."""
    if audience == EVERYONE or role is not None:
        return True
    return audience == MEMBERS_AND_INVITEES and invited


def may_know(visibility: str, *, role: str | None, invited: bool) -> bool:
    return _in(MAY_KNOW[visibility], role=role, invited=invited)


def may_read(visibility: str, *, role: str | None) -> bool:
    return _in(MAY_READ[visibility], role=role)


def joins_at_once(visibility: str, *, invited: bool) -> bool:
    """Whether joining makes a member at once (a public group, or an invitation held); else it
    asks the group's moderators (a private group), or finds nothing (a secret one)."""
    return invited or visibility == Visibility.PUBLIC


def _membership(viewer, group_ref: str = "pk") -> QuerySet[Membership]:
    return Membership.objects.filter(group=OuterRef(group_ref), user=viewer)


def _invited(viewer, group_ref: str = "pk") -> Exists:
    return Exists(
        Invitation.objects.filter(
            group=OuterRef(group_ref), user=viewer, status=InvitationStatus.PENDING
        )
    )


def _audience_q(audience: str, viewer, group_ref: str = "pk") -> Q | None:
    """The rows whose group (`group_ref`: "pk" for rows of Group) has an audience that holds
    the viewer; None for all of them."""
    if audience == EVERYONE:
        return None
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    members = Q(Exists(_membership(viewer, group_ref)))
    if audience == MEMBERS_AND_INVITEES:
        return members | Q(_invited(viewer, group_ref))
    return members


def _groups_q(table: dict, viewer, prefix: str = "") -> Q:
    """Rows whose group (the row itself for "", else the relation `prefix` such as "group__")
    is live and has, in `table`, an audience that holds the viewer."""
    group_ref = prefix.removesuffix("__") or "pk"
    allowed = Q(pk__in=[])
    for visibility, audience in table.items():
        holds = _audience_q(audience, viewer, group_ref)
        shown = Q(**{f"{prefix}visibility": visibility})
        allowed |= shown if holds is None else shown & holds
    return allowed & LIVE_GROUP.q(prefix)


def _groups_by(table: dict, viewer) -> QuerySet[Group]:
    """Live groups whose audience in `table` holds the viewer."""
    return Group.objects.filter(_groups_q(table, viewer))


def known_group_q(viewer, prefix: str) -> Q:
    """Rows of another table whose group (through `prefix`, such as "group__") the viewer may
    know exists (MAY_KNOW): a correlated check per row, for pages of rows that each name a
    group (notifications), where `group__in=visible_groups(viewer)` would read every group."""
    return _groups_q(MAY_KNOW, viewer, prefix)


def readable_group_q(viewer, prefix: str) -> Q:
    """Rows whose group (through `prefix`) has content the viewer may read (MAY_READ), as
    `known_group_q`."""
    return _groups_q(MAY_READ, viewer, prefix)


def _audience_sql(audience: str, *, group: str, user: str) -> str | None:
    """SQL of whether the user (`user`, an SQL expression of a user id) is in the audience of
    the group aliased `group`; None for everyone."""
    if audience == EVERYONE:
        return None
    members = queries.MEMBER_OF_SQL.format(group=group, user=user)
    if audience == MEMBERS_AND_INVITEES:
        return f"({members} OR {queries.INVITED_TO_SQL.format(group=group, user=user)})"
    return members


def _groups_sql(table: dict, *, group: str, user: str) -> str:
    """`_groups_q` in SQL, for a user-id column rather than one viewer: whether the group
    aliased `group` is live and its audience in `table` holds the user."""
    allowed = []
    for visibility, audience in table.items():
        holds = _audience_sql(audience, group=group, user=user)
        shown = f"{group}.visibility = '{visibility}'"
        allowed.append(shown if holds is None else f"({shown} AND {holds})")
    return f"({' OR '.join(allowed)}) AND {LIVE_GROUP.sql(group)}"


def may_know_sql(*, group: str, user: str) -> str:
    """MAY_KNOW as an SQL condition on a user-id column (`user`) and a group alias (`group`):
    statements that decide a whole set of recipients at once (notifications/queries.py)."""
    return _groups_sql(MAY_KNOW, group=group, user=user)


def may_read_sql(*, group: str, user: str) -> str:
    """MAY_READ as an SQL condition, as `may_know_sql`."""
    return _groups_sql(MAY_READ, group=group, user=user)


def visible_groups(viewer) -> QuerySet[Group]:
    """Groups the viewer may know exist (MAY_KNOW)."""
    return _groups_by(MAY_KNOW, viewer)


def content_visible_groups(viewer) -> QuerySet[Group]:
    """Groups whose content (posts, members, counts, tags) the viewer may read (MAY_READ)."""
    return _groups_by(MAY_READ, viewer)


def moderated_groups(viewer) -> QuerySet[Group]:
    """Groups in which the viewer is a moderator, an admin or an owner."""
    if not viewer.is_authenticated:
        return Group.objects.none()
    return Group.objects.filter(memberships__user=viewer, memberships__role__in=MODERATOR_ROLES)


def not_blocked_q(viewer, author_ref: str = "author_id") -> Q:
    """Posts or comments (`author_ref` names their author's column) that the viewer's blocks
    leave in their lists; all of them for an anonymous viewer. In SQL a NOT IN over the
    viewer's blocks (communities/queries.py), read once per statement and probed as a hash,
    not a subquery per row."""
    if not viewer.is_authenticated:
        return Q()
    return Q(queries.NotBlocked(F(author_ref), viewer_id=viewer.pk, kinds=_KEPT_OUT))


def visible_posts(
    viewer, *, include_removed: bool = False, include_blocked: bool = False
) -> QuerySet[Post]:
    """Posts the viewer may read: in groups whose content they see, not deleted, not hidden,
    not by someone they block (KEEPS_OUT). With include_removed, a group's moderators also see
    its deleted and hidden posts; with include_blocked, blocked authors' posts are in (what a
    direct link opens: a report, a post's reactions). `post_shown` states the same rule for one
    post in Python, as a direct link reads it (blocks in)."""
    posts = Post.objects.filter(group__in=content_visible_groups(viewer))
    if not include_blocked:
        posts = posts.filter(not_blocked_q(viewer))
    shown = LIVE_POST.q()
    if include_removed:
        shown |= Q(group__in=moderated_groups(viewer))
    else:
        posts = posts.filter(NOT_DELETED.q())
        shown = NOT_HIDDEN.q() | Q(group__in=moderated_groups(viewer))
    return posts.filter(shown)


def visible_comments(viewer, *, include_blocked: bool = False) -> QuerySet[Comment]:
    """Comments on posts the viewer may read; hidden ones only for the group's moderators;
    neither a blocked author's comments nor those on a blocked author's posts unless
    include_blocked (as `visible_posts`). Deleted comments stay in the queryset: a thread shows
    them as "[deleted]" placeholders."""
    comments = Comment.objects.filter(
        post__in=visible_posts(viewer, include_blocked=include_blocked)
    )
    if not include_blocked:
        comments = comments.filter(not_blocked_q(viewer))
    return comments.filter(NOT_HIDDEN.q() | Q(post__group__in=moderated_groups(viewer)))


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
        return may_read(self.group.visibility, role=self.role)

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


def with_viewer_role(queryset: QuerySet, viewer, group_ref: str = "pk") -> QuerySet:
    """Rows annotated with `viewer_role`: the viewer's role in the row's group, or None."""
    if not viewer.is_authenticated:
        return queryset.annotate(viewer_role=Value(None, output_field=CharField()))
    return queryset.annotate(
        viewer_role=Subquery(_membership(viewer, group_ref).values("role")[:1])
    )


def with_viewer_standing(
    queryset: QuerySet, viewer, group_ref: str, author_ref: str = "author_id"
) -> QuerySet:
    """Posts or comments annotated with what their `permissions` need of the viewer:
    `viewer_role` in the row's group (None: not a member), `viewer_banned` (an active ban from
    it; None for an anonymous viewer) and `viewer_is_author`; columns of the rows' own query,
    each an indexed lookup."""
    if not viewer.is_authenticated:
        return with_viewer_role(queryset, viewer, group_ref).annotate(
            viewer_banned=Value(None, BooleanField()), viewer_is_author=Value(False)
        )
    bans = Ban.objects.active().filter(group=OuterRef(group_ref), user=viewer)
    return with_viewer_role(queryset, viewer, group_ref).annotate(
        viewer_banned=Exists(bans),
        viewer_is_author=ExpressionWrapper(Q(**{author_ref: viewer.pk}), BooleanField()),
    )


def group_access(*, viewer, group_id: int) -> GroupAccess:
    """The group if the viewer may know it exists, else NotFound (secret groups stay secret);
    one query, with the viewer's role and pending invitation. Written in SQL: every request
    under groups/{id}/ runs it, and building it with the ORM cost more than running it."""
    params = {"viewer": viewer.pk, "pending": InvitationStatus.PENDING, "group": group_id}
    group = next(iter(Group.objects.raw(queries.GROUP_WITH_STANDING, params)), None)
    if group is None or not may_know(
        group.visibility, role=group.viewer_role, invited=group.viewer_invited
    ):
        raise NotFound("No group matches the given query.")
    return GroupAccess(group=group, role=group.viewer_role)


def post_shown(post: Post, access: GroupAccess, *, include_removed: bool = False) -> bool:
    """Whether the viewer may read this post of a group they see as `access` says; the rule
    of `visible_posts`, for one post opened by a direct link: a blocked author's too (so that it
    can be reported; blocks keep content out of lists only)."""
    if not LIVE_GROUP.holds(access.group) or not access.can_view_content:
        return False
    if not NOT_DELETED.holds(post):
        return include_removed and access.is_moderator
    return NOT_HIDDEN.holds(post) or access.is_moderator


def readable_posts(access: GroupAccess, *, viewer) -> QuerySet[Post]:
    """The posts of a group the viewer sees as `access` says, that the viewer may read: the
    rule of `post_shown`, in SQL for one group's list (its content must be readable), which
    leaves out the posts of people the viewer blocks (KEEPS_OUT)."""
    posts = Post.objects.filter(NOT_DELETED.q(), not_blocked_q(viewer), group=access.group)
    return posts if access.is_moderator else posts.filter(NOT_HIDDEN.q())


def post_access(
    *, viewer, post_id: int, include_removed: bool = False, posts: QuerySet[Post] | None = None
) -> tuple[Post, GroupAccess]:
    """A post the viewer may read, with the viewer's standing in its group, else NotFound; one
    query (of `posts`, which may carry what a page needs)."""
    posts = (Post.objects.all() if posts is None else posts).select_related("group")
    post = with_viewer_role(posts, viewer, "group_id").filter(pk=post_id).first()
    if post is None:
        raise NotFound("No post matches the given query.")
    access = GroupAccess(group=post.group, role=post.viewer_role)
    if not post_shown(post, access, include_removed=include_removed):
        raise NotFound("No post matches the given query.")
    return post, access
