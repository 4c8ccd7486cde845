"""Writes on who signs up and signs in: a sign-up through Divan's own endpoints on allauth's
form and flow, admitted as its mode says; the checks allauth's sign-in makes after the password,
for Divan's API tokens and sessions; invitation links; staff's approval of accounts that wait
for it."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.account.forms import SignupForm
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.account.utils import complete_signup, has_verified_email
from allauth.utils import get_form_class
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import RegistrationApplication, SignupInvitation
from accounts.registration import (
    INVITATION_INVALID,
    Admission,
    SignupClosed,
    invitation_digest,
    signup_open,
    usable_invitations,
)
from accounts.two_factor import code_check
from communities.models import Group
from communities.roles import Action
from communities.services.locks import lock_group
from communities.services.membership import member_add, require_role
from divan.exceptions import InvalidInput, NotFound, PermissionDenied, Refused
from divan.models import User

USERNAME_TAKEN = "A user with that username already exists."
EMAIL_UNVERIFIED = (
    "Your email address is not verified yet: follow the link we sent to it, then sign in again. "
    "We have sent a new link unless we sent one in the last few minutes."
)
_FIELDS = {"password1": "password", "__all__": "non_field_errors"}


@dataclass(frozen=True)
class Signup:
    # None when verification is mandatory and the address already has an account: no account
    # is made, and the address's owner is mailed instead (the answer is the same)
    user: User | None
    signed_in: bool  # allauth's flow signed the new user in (verification none or optional)
    awaiting_approval: bool  # REGISTRATION_MODE approval: the account waits, inactive
    email: str  # the address, as allauth keeps it (in lower case)


def user_sign_up(
    *, request: HttpRequest, username: str, email: str, password: str, invitation: str = ""
) -> Signup:
    """Every sign-up through Divan's own endpoints, on allauth's signup form (its username,
    address and password rules, and REGISTRATION_MODE's admission, accounts.forms) and its flow,
    as the headless API's sign-up: the adapter's save_user admits the account (its invitation
    used, or its wait for approval begun), the flow mails the address a verification link (or
    its owner "someone tried to sign up" when another account holds it) and signs the new user
    in on `request` unless the account waits for approval or verification is mandatory."""
    if not signup_open():
        raise SignupClosed()
    form_class = get_form_class(account_settings.FORMS, "signup", SignupForm)
    form = form_class(
        data={"username": username, "email": email, "password1": password, "invitation": invitation}
    )
    if not form.is_valid():
        raise InvalidInput(
            {_FIELDS.get(field, field): list(messages) for field, messages in form.errors.items()}
        )
    try:
        with transaction.atomic():
            user, _ = form.try_save(request)
            if user is not None:
                complete_signup(request, user, account_settings.EMAIL_VERIFICATION, None)
    except IntegrityError:  # a concurrent sign-up took the name
        raise InvalidInput({"username": [USERNAME_TAKEN]}) from None
    signed_in = user is not None and request.user.is_authenticated and request.user.pk == user.pk
    return Signup(
        user=user,
        signed_in=signed_in,
        awaiting_approval=form.admission.awaiting_approval,
        email=form.cleaned_data["email"],
    )


def sign_in_check(*, request: HttpRequest, user: User, code: str | None) -> None:
    """What allauth's own sign-in asks after the password, asked by Divan's API tokens and
    sessions too: a verified address when verification is mandatory (a new link is sent, as
    allauth's sign-in sends one), and with two-factor sign-in on, a code, checked by allauth.mfa
    (a TOTP code works once, a recovery code is used up)."""
    if (
        account_settings.EMAIL_VERIFICATION == account_settings.EmailVerificationMethod.MANDATORY
        and not has_verified_email(user)
    ):
        send_verification_email_for_user(request, user)
        raise Refused(EMAIL_UNVERIFIED)
    code_check(user=user, code=code)


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
