"""The row locks every write takes on groups, members, content, reports and users, and their order.

Every service (in communities/, accounts/ and feeds/) takes the row locks below in this order,
and none takes a lock higher up the list once it holds one below, so that no two can wait on
each other in a cycle (PostgreSQL would end one with DeadlockDetected, a 500). A group, a report,
a post, a comment or a user row, and the membership a content write is made under, are locked
(SELECT ... FOR ...) only through a function of this module; the other rows below only by the
module that owns them (named there); a reaction's target in the very statement that writes the
reaction. An UPDATE locks the rows it changes, and follows the same order.

1. The group row, with `lock_group`. Every service that adds or removes members, changes
   roles, decides join requests, bans or unbans, invites or revokes or declines an invitation
   (to the group, or a sign-up link into it), or changes the group, locks it first, before any
   row beneath it: these services run one at a time per group, and each sees what the one before
   it committed (the last owner stays; a ban is never slipped past). Role checks are plain reads,
   made after this lock. A transaction that needs several groups locks them in id order with
   `lock_groups` (an account's deletion); `ban_purge_expired` goes group by group, in group id
   order, one transaction per group.
   The lock is FOR NO KEY UPDATE, not FOR UPDATE: it does not block the FOR KEY SHARE lock that
   an insert referencing the group takes on its row (a post, a membership, a moderation log
   entry; Django checks foreign keys at commit), so that a content write holding a membership
   row never waits on a ban that waits on that row.
2. The rows beneath the group that say who belongs: memberships (the member's own row is what
   `lock_membership_role`, through `require_can_post`, locks for a post, a comment or a
   reaction), join requests, invitations, bans, sign-up links. Only services that hold the group
   lock take more than one of these, and they lock them with their own querysets (FOR UPDATE:
   no row references them). Content services do not lock the group; those that post, comment,
   react or edit start here, with `require_can_post`, reading the group id from the unlocked
   post first (a post never changes group), and check authorship on that read too, before it.
3. A report, with `lock_report_row`: report_resolve and report_dismiss lock it, then hide
   content via post_hide or comment_hide.
4. Content: the post row (`lock_post_row`; a reaction to one of its comments takes it shared
   instead, with `share_post_row`), then its group's TagCount rows in tag order (one statement
   each, in `services/tags.py`), then its comment rows (`lock_comment_row`), then reaction rows
   (a reaction locks the post or comment it counts on before inserting or deleting its row, in
   that very statement: services/reactions.py), then the uploads attached to it (FOR UPDATE, in
   id order: `attachments_set`); users' rows (reputation) last.
5. A user's own row, with `lock_user_quota`: `upload_start` takes it, and nothing after it, so
   that one person's uploads start one at a time and two cannot both pass the quota. It is the
   only row lock of its transaction, so it is last in any order.
An insert also takes FOR KEY SHARE on each row it references, at commit (Django's foreign keys
are deferred), whatever the transaction holds by then. That lock conflicts only with FOR UPDATE,
so the group, post, comment, report and user rows, which inserts reference, are locked FOR NO
KEY UPDATE (and updated without changing a key), never FOR UPDATE: a user's upload start never
holds up their posts, comments or uploads, which reference their row. The one FOR SHARE, on a
post, waits for a moderator's lock or delete of the post in progress and lets concurrent
reactions through together.

Outside this order, on rows of their own that no service above locks, and taking any row above
after them: job claims (FOR UPDATE SKIP LOCKED on data exports, fan-out chunks, outbound mail,
the outbox), a single upload's completion or image check (its own row), approvals of sign-up
applications (then the users' rows), and feed rebuilds, which take a per-reader advisory lock
(feeds/services/rebuild.py).
"""

from communities import queries
from communities.models import Comment, Group, Membership, Post, Report
from divan.exceptions import NotFound
from divan.models import User
from divan.sql import execute


def lock_group(group_id: int) -> Group:
    """The group row, locked first by every write on who belongs (1 in the order above)."""
    return Group.objects.select_for_update(no_key=True).get(pk=group_id)


def lock_groups(group_ids) -> list[Group]:
    """The groups of these ids that exist, locked in id order (1 above), read as they are now."""
    return list(
        Group.objects.select_for_update(no_key=True).filter(pk__in=group_ids).order_by("pk")
    )


def lock_membership_role(*, group_id: int, user) -> str | None:
    """The user's role in the group, their membership row locked (2 above); None for no member."""
    return (
        Membership.objects.select_for_update(no_key=True)
        .filter(group_id=group_id, user=user)
        .values_list("role", flat=True)
    ).first()


def lock_report_row(report_id: int) -> Report:
    """The report's row with its group and reported content, locked (3 above). NO KEY UPDATE:
    log entries that point at the report need not wait for it."""
    return (
        Report.objects.select_for_update(no_key=True, of=("self",))
        .select_related("group", "post__author", "comment__author")
        .get(pk=report_id)
    )


def lock_post_row(post_id: int, *, deleted_ok: bool = False) -> Post:
    """The post's row with its group and author, locked until the transaction ends; NotFound
    once the post is deleted, unless deleted_ok. The one lock every service takes on a post:
    FOR NO KEY UPDATE serializes the writes on the post (its state and its counters) and leaves
    alone the inserts that reference it (comments, reactions, reports, log entries). Not to be
    confused with `post_lock`, the moderators' action that closes a post."""
    locked = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("group", "author")
        .filter(pk=post_id)
        .first()
    )
    if locked is None or (locked.deleted_at is not None and not deleted_ok):
        raise NotFound("No post matches the given query.")
    return locked


def share_post_row(post_id: int) -> None:
    """The post's row, locked shared (4 above): a moderator's lock or delete of the post in
    progress is waited for, and other reactions to its comments are not."""
    execute(queries.POST_SHARE_LOCK, [post_id])


def lock_comment_row(comment_id: int) -> Comment | None:
    """The comment's row, locked after its post's (4 above); None once it no longer exists."""
    return Comment.objects.select_for_update(no_key=True).filter(pk=comment_id).first()


def lock_user_quota(user_id: int) -> None:
    """The user's row, locked so that one person's upload starts take turns (5 above)."""
    User.objects.select_for_update(no_key=True).filter(pk=user_id).first()
