"""Writes on who signs up: admitting a new account as its mode says, invitation links, and
staff's approval of accounts that wait for it."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import RegistrationApplication, SignupInvitation
from accounts.registration import (
    INVITATION_INVALID,
    Admission,
    invitation_digest,
    signup_admission,
    usable_invitations,
)
from communities.models import Group
from communities.roles import Action
from communities.services.membership import lock_group, member_add, require_role
from divan.exceptions import InvalidInput, NotFound, PermissionDenied
from divan.models import User
from divan.services.users import user_register


def user_sign_up(*, username: str, email: str, password: str, invitation: str = "") -> User:
    """A sign-up through Divan's own endpoints: REGISTRATION_MODE's admission, then the account,
    admitted in the same transaction (inactive when it waits for approval)."""
    admission = signup_admission(invitation=invitation)
    with transaction.atomic():
        user = user_register(username=username, email=email, password=password)
        signup_admit(user=user, admission=admission)
    return user


def signup_admit(*, user: User, admission: Admission) -> None:
    """Makes a just-created account what its admission says, in the transaction that created
    it: uses up its invitation (the group row locked first, as every write on who belongs does;
    a link used up or revoked meanwhile is InvalidInput, and the account is not made) and joins
    the invitation's group; or leaves the account inactive, waiting for approval."""
    with transaction.atomic():
        if admission.invitation_id is not None:
            _invitation_use(admission.invitation_id, user=user)
        if admission.awaiting_approval:
            User.objects.filter(pk=user.pk).update(is_active=False)
            user.is_active = False
            RegistrationApplication.objects.create(user=user)


def _invitation_use(invitation_id: int, *, user: User) -> None:
    group_id = (
        SignupInvitation.objects.filter(pk=invitation_id).values_list("group_id", flat=True).first()
    )
    group = lock_group(group_id) if group_id is not None else None
    used = usable_invitations().filter(pk=invitation_id).update(uses=F("uses") + 1)
    if not used:
        raise InvalidInput({"invitation": [INVITATION_INVALID]})
    if group is not None:
        member_add(group=group, user=user, actor=user, via="signup_invitation")


def invitation_link(key: str) -> str:
    return settings.INVITATION_URL.format(key=key)


def invitation_create(
    *,
    actor: User,
    group: Group | None = None,
    max_uses: int = 1,
    days: int | None = None,
    as_site_staff: bool = False,
) -> tuple[SignupInvitation, str]:
    """A new invitation link, and its key (kept nowhere: this is the one time it is known).
    A group's link is made by its owners and admins; site staff (the admin passes
    as_site_staff=True) make links into any group, or into none."""
    key = secrets.token_urlsafe(24)
    days = settings.INVITATION_DAYS if days is None else days
    with transaction.atomic():
        if as_site_staff:
            if not (actor.is_active and actor.is_staff):
                raise PermissionDenied("Only site staff may make invitation links in the admin.")
        elif group is None:
            raise PermissionDenied("Only site staff may make invitation links into no group.")
        if group is not None:
            group = lock_group(group.pk)
            if not as_site_staff:
                require_role(group=group, user=actor, action=Action.INVITE_TO_SIGN_UP)
        invitation = SignupInvitation.objects.create(
            key_digest=invitation_digest(key),
            group=group,
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
            max_uses=max_uses,
        )
    return invitation, key


def invitation_revoke_as_staff(*, actor: User, invitation_ids: list[int]) -> int:
    """Site staff end invitation links in the admin; the number ended now."""
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied("Only site staff may revoke invitation links in the admin.")
    return SignupInvitation.objects.filter(pk__in=invitation_ids, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def invitation_revoke(*, actor: User, group: Group, invitation_id: int) -> SignupInvitation:
    """A group's owner or admin ends one of its links before it expires (once is enough)."""
    with transaction.atomic():
        group = lock_group(group.pk)
        require_role(group=group, user=actor, action=Action.INVITE_TO_SIGN_UP)
        invitation = (
            SignupInvitation.objects.select_for_update()
            .filter(group=group, pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise NotFound("No invitation link of this group matches the given query.")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
        return invitation


def application_approve(*, actor: User, user_ids: list[int]) -> list[User]:
    """Staff approve accounts waiting for it: each becomes active and its owner is mailed (the
    mail queued in this transaction, sent after it). Accounts already approved, or never
    waiting, are left as they are; the ones approved now are returned."""
    now = timezone.now()
    approved = []
    with transaction.atomic():
        waiting = (
            RegistrationApplication.objects.select_for_update()
            .filter(user_id__in=user_ids, approved_at=None)
            .select_related("user")
            .order_by("user_id")
        )
        for application in waiting:
            application.approved_at, application.approved_by = now, actor
            application.save(update_fields=["approved_at", "approved_by"])
            User.objects.filter(pk=application.user_id).update(is_active=True)
            application.user.is_active = True
            if application.user.email:
                _mail_approved(application.user)
            approved.append(application.user)
    return approved


def _mail_approved(user: User) -> None:
    context = {"user": user, "sign_in_url": settings.SIGN_IN_URL}
    subject = render_to_string("accounts/email/account_approved_subject.txt", context).strip()
    body = render_to_string("accounts/email/account_approved_message.txt", context)
    EmailMessage(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, to=[user.email]).send()
