"""Deleting an account (README, Leaving with your data).

In one transaction, after the caller checked the password (and code):

- the groups the person is tied to (memberships, pending join requests and invitations) are
  locked first, in id order, as every write on who belongs locks its group. A group they alone
  own that has other members refuses the deletion (GroupsStillOwned: a 409 naming them, to hand
  ownership over first); a group they are the only member of is archived;
- they leave every group through `membership_depart` (membership.left, their requests withdrawn,
  invitations declined). A post, comment or reaction of theirs arriving meanwhile locks its
  membership row first: it waits for this transaction, then finds no membership and is refused;
  one that locked it before is waited for here, and removed with the rest;
- their posts and comments are deleted through the content services (post.deleted,
  comment.deleted: feeds, search and counters follow), then their text is erased, so that not
  even a group's moderators read it afterwards; a deleted comment with live replies stays in
  its thread as "[deleted]", without author;
- every reaction they gave is taken back through the reaction service (reaction.removed:
  counts and authors' reputation follow), from deleted content too;
- their exports end; their API tokens, two-factor authenticators and email addresses go;
- the user row stays, as an anonymous tombstone so that foreign keys hold (the moderation log,
  reports, bans): username `deleted-<id>`, no email, no name, an unusable password, inactive,
  no staff rights, reputation 0. Every session ends at its next request (its password hash no
  longer matches, and the account is inactive).

After the commit, the task `accounts.account_deletion_finish` looks once more for anything a
write in flight added meanwhile (a group joined or created in the same instant), deletes their
uploads from storage through the uploads' cleanup, their archives, and their own feed. It is
safe to run twice; beat's `accounts.sweep` runs it again until it has finished.
"""

import contextlib
import logging
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from psycopg import errors as pg_errors

from accounts.models import AccountDeletion
from accounts.services.exports import exports_cancel, exports_expire
from communities.models import (
    Comment,
    Group,
    Invitation,
    InvitationStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Post,
    Reaction,
)
from communities.roles import Role
from communities.rules import LIVE_GROUP, NOT_DELETED
from communities.services.comments import comment_delete
from communities.services.groups import group_archive
from communities.services.locks import lock_groups
from communities.services.membership import membership_depart
from communities.services.posts import post_delete
from communities.services.reactions import reaction_remove
from communities.services.uploads import uploads_delete_owned
from divan.authentication import tokens_delete
from divan.exceptions import Conflict, NotFound, PermissionDenied
from divan.models import User
from divan.queueing import task_queue
from feeds.services import feeds_prune

logger = logging.getLogger(__name__)

TOMBSTONE_PREFIX = "deleted-"
DEADLOCK_ATTEMPTS = 3


class GroupsStillOwned(Conflict):
    """The person alone owns groups that have other members: 409, naming them."""

    def __init__(self, groups: list[Group]):
        self.groups = groups
        names = ", ".join(group.name for group in groups)
        super().__init__(
            f"You are the only owner of {names}, which other members still belong to: make "
            "someone else owner first (or archive the group), then delete your account."
        )


def tombstone_username(user_id: int) -> str:
    return f"{TOMBSTONE_PREFIX}{user_id}"


def account_delete(*, user) -> bool:
    """Delete the account (see above); the caller has checked the person's password and code.
    True when this call deleted it, False when a concurrent call had (nothing more to do).
    GroupsStillOwned, changing nothing, while they alone own a group with other members."""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _delete(user)
        except OperationalError as error:
            # The content locks of a large account, taken one post after another, can meet
            # another writer's in a cycle; PostgreSQL ends one of the two, and this one retries.
            if not isinstance(error.__cause__, pg_errors.DeadlockDetected):
                raise
            if attempt == DEADLOCK_ATTEMPTS:
                raise
            logger.warning("account %s: deletion deadlocked, attempt %s", user.pk, attempt)
    return False  # unreachable: the loop returns or raises


def _delete(user) -> bool:
    try:
        with transaction.atomic():
            # first: a second deletion at once waits here for this one, then finds it done
            AccountDeletion.objects.create(user=user)
    except IntegrityError:
        return False
    groups = _lock_groups(user)
    owned = _alone_owned_with_members(user, groups)
    if owned:
        raise GroupsStillOwned(owned)
    _erase(user, groups)
    exports_cancel(user=user)
    tokens_delete(user_id=user.pk)
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    _tombstone(user)
    transaction.on_commit(
        lambda: task_queue("accounts.account_deletion_finish", user.pk), robust=True
    )
    return True


def _lock_groups(user) -> list[Group]:
    """Every group the person is tied to, locked in id order (the lock order of
    communities/services/locks.py), read as they are now."""
    ids = set(Membership.objects.filter(user=user).values_list("group_id", flat=True))
    ids |= set(
        JoinRequest.objects.filter(user=user, status=JoinRequestStatus.PENDING).values_list(
            "group_id", flat=True
        )
    )
    ids |= set(
        Invitation.objects.filter(user=user, status=InvitationStatus.PENDING).values_list(
            "group_id", flat=True
        )
    )
    return lock_groups(ids)


def _alone_owned_with_members(user, groups: list[Group]) -> list[Group]:
    """The live groups the person is the only owner of, which others belong to."""
    live = [group for group in groups if LIVE_GROUP.holds(group) and group.member_count > 1]
    owned = set(
        Membership.objects.filter(user=user, role=Role.OWNER, group__in=live).values_list(
            "group_id", flat=True
        )
    )
    co_owned = set(
        Membership.objects.filter(group_id__in=owned, role=Role.OWNER)
        .exclude(user=user)
        .values_list("group_id", flat=True)
    )
    return [group for group in live if group.pk in owned - co_owned]


def _erase(user, groups: list[Group]) -> None:
    """Everything the person holds in groups goes: membership, content, reactions. Safe to run
    again: what is gone already is passed over. The groups are locked by the caller."""
    for group in groups:
        if LIVE_GROUP.holds(group) and group.member_count == 1 and _member(group, user):
            try:
                group_archive(actor=user, group=group)  # they alone were left in it
            except PermissionDenied:  # a member without an owner's role: it stays
                logger.warning("group %s left without members", group.pk)
        try:
            membership_depart(user=user, group=group)
        except Conflict:  # only after the commit, when a group they own gained a member
            logger.warning("deleted account %s still owns group %s", user.pk, group.pk)
    for comment in Comment.objects.filter(NOT_DELETED.q(), author=user).order_by("pk"):
        with contextlib.suppress(NotFound):  # deleted meanwhile by a moderator
            comment_delete(actor=user, comment=comment)
    for post in Post.objects.filter(NOT_DELETED.q(), author=user).order_by("pk"):
        with contextlib.suppress(NotFound):
            post_delete(actor=user, post=post)
    # their words go from the rows that stay (for threads, reports and the moderation log)
    Post.objects.filter(author=user).exclude(title="", body="").update(title="", body="")
    Comment.objects.filter(author=user).exclude(body="").update(body="")
    reactions = Reaction.objects.filter(user=user).select_related(
        "post__group", "comment__post__group"
    )
    for reaction in reactions.order_by("pk"):
        with contextlib.suppress(NotFound):  # its target gone altogether
            reaction_remove(
                user=user,
                kind=reaction.kind,
                post=reaction.post,
                comment=reaction.comment,
                deleted_ok=True,
            )


def _member(group: Group, user) -> bool:
    return Membership.objects.filter(group=group, user=user).exists()


def _tombstone(user) -> None:
    """The row that stays: nothing left that names or reaches the person."""
    username = tombstone_username(user.pk)
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        username = f"{username}-{secrets.token_hex(4)}"  # taken before names were reserved
    User.objects.filter(pk=user.pk).update(
        username=username,
        email="",
        first_name="",
        last_name="",
        password=make_password(None),
        is_active=False,
        is_staff=False,
        is_superuser=False,
        reputation=0,
        last_login=None,
    )
    user.groups.clear()
    user.user_permissions.clear()


def account_deletion_finish(*, user_id: int) -> str:
    """The work after a deletion's commit: 'finished', or 'unknown' (no such deletion). Safe to
    run twice, and again after it finished."""
    deletion = AccountDeletion.objects.select_related("user").filter(pk=user_id).first()
    if deletion is None:
        return "unknown"
    user = deletion.user
    with transaction.atomic():
        _erase(user, _lock_groups(user))  # what a write in flight added after the deletion
        tokens_delete(user_id=user.pk)
    uploads = uploads_delete_owned(owner_id=user.pk)  # a failure is left to uploads' cleanup
    archives = exports_expire(user=user)  # a failure is left to the sweep
    feeds_prune()
    AccountDeletion.objects.filter(pk=user_id, finished_at=None).update(finished_at=timezone.now())
    logger.info("account %s deleted: uploads %s, archives %s", user_id, uploads, archives)
    return "finished"


def deletions_unfinished(*, older_than_seconds: int) -> list[int]:
    """Deletions whose work after the commit has not finished a while after them (the task
    was lost, or its worker died), for the sweep to queue again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        AccountDeletion.objects.filter(finished_at=None, deleted_at__lt=cutoff)
        .order_by("deleted_at")
        .values_list("user_id", flat=True)[:500]
    )
