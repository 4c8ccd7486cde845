"""Unsubscribing from notification mail with one click (RFC 8058): the signed token every mail
carries, the service that turns mail off, and the endpoint a mail client (or the hub's
/unsubscribe page) calls without signing in.

A token is django.core.signing's, salted for this use, over the user's id and what it stops: one
type's mail, the digest (DIGEST), or every notification mail and the digest (None). It carries no
expiry: a mail read a year later still unsubscribes, and all a token can do is turn its owner's
mail off. A new DJANGO_SECRET_KEY makes the old tokens fail unless the old key stays in
DJANGO_SECRET_KEY_FALLBACKS. GET says what the token stops and changes nothing (mail scanners
open links); POST stops it, and is idempotent.
"""

import time
import uuid

from django.conf import settings
from django.core import signing
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from divan.models import User
from divan.throttling import Counter, attempt_admit, caller_ident, parse_rate
from notifications.models import MailSettings, Notification, TypeSetting
from notifications.types import TYPES, Delivery, NotificationType

SALT = "notifications.unsubscribe"
DIGEST = "digest"  # a token's target beside the types: the digest alone
ALL_LABEL = "All notification mail"
DIGEST_LABEL = "The digest of unread notifications"
INVALID = "This unsubscribe link is not valid: open the whole link from the mail."


def unsubscribe_token(*, user_id: int, kind: str | None) -> str:
    """The token that stops `kind` (a type, DIGEST, or None: all) for this user."""
    return signing.dumps({"u": user_id, "t": kind}, salt=SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str | None]:
    """The user id and target of a token; BadSignature for anything we did not sign."""
    data = signing.loads(token, salt=SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("not an unsubscribe token")
    kind = data.get("t")
    if kind is not None and kind != DIGEST and kind not in TYPES:
        raise signing.BadSignature("unknown notification type")
    return data["u"], kind


def target_label(kind: str | None) -> str:
    if kind is None:
        return ALL_LABEL
    if kind == DIGEST:
        return DIGEST_LABEL
    return TYPES[NotificationType(kind)].label


def mail_deliveries(user_id: int) -> dict[str, str]:
    """Each type's delivery for this person: their setting, else the type's default."""
    chosen = dict(TypeSetting.objects.filter(user_id=user_id).values_list("type", "delivery"))
    return {str(kind): chosen.get(str(kind), spec.default) for kind, spec in TYPES.items()}


def mail_unsubscribe(*, user_id: int, kind: str | None) -> list[str]:
    """Turns mail off: a type's mail becomes hub-only (one already off stays off), DIGEST the
    digest, None every type's mail and the digest. Rows of those types still waiting to be
    mailed are no longer due. Answers the types whose delivery changed; run again, it changes
    nothing."""
    with transaction.atomic():
        if kind is None or kind == DIGEST:
            MailSettings.objects.bulk_create(
                [MailSettings(user_id=user_id, digest=False)],
                update_conflicts=True, unique_fields=["user"], update_fields=["digest"],
            )  # fmt: skip
        kinds = [str(k) for k in TYPES] if kind is None else [kind] if kind != DIGEST else []
        deliveries = mail_deliveries(user_id)
        changed = [k for k in kinds if deliveries[k] == Delivery.MAIL]
        to_default = [k for k in changed if TYPES[NotificationType(k)].default == Delivery.HUB]
        to_hub = [k for k in changed if k not in to_default]
        # a delivery equal to its type's default is no row (the preferences' rule)
        TypeSetting.objects.filter(user_id=user_id, type__in=to_default).delete()
        TypeSetting.objects.bulk_create(
            [TypeSetting(user_id=user_id, type=k, delivery=Delivery.HUB) for k in to_hub],
            update_conflicts=True, unique_fields=["user", "type"], update_fields=["delivery"],
        )  # fmt: skip
        if changed:
            Notification.objects.filter(
                recipient_id=user_id, type__in=changed, mailed_at=None, mail_due_at__isnull=False
            ).update(mail_due_at=None)
    return changed


def masked(address: str) -> str:
    """An address as a page may show it to whoever holds the link: "o***@example.com"."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


class UnsubscribeThrottle(BaseThrottle):
    """Per caller address, as the account flows count theirs (THROTTLE_UNSUBSCRIBE_RATE). The
    rate is generous: one-click unsubscribes come from mail providers' servers, which post for
    all their users from a few addresses; a token cannot be guessed, so this only caps load."""

    def allow_request(self, request, view) -> bool:
        self._wait = None
        rate = parse_rate(settings.THROTTLE_UNSUBSCRIBE_RATE)
        if rate is None:
            return True
        counter = Counter(f"unsubscribe:ip:{caller_ident(request) or 'unknown'}", *rate)
        self._wait = attempt_admit([counter], attempt=uuid.uuid4().hex, now=time.time())
        return self._wait is None

    def wait(self):
        return self._wait


TOKEN_PARAMETER = OpenApiParameter(
    "token", str, OpenApiParameter.QUERY, required=True,
    description="The token of the mail's unsubscribe link (its List-Unsubscribe header).",
)  # fmt: skip
TARGET_SHAPE = inline_serializer(
    "UnsubscribeTarget",
    {
        "type": serializers.CharField(allow_null=True, help_text='a type, "digest", or null: all'),
        "label": serializers.CharField(),
        "email": serializers.CharField(allow_null=True, help_text="the address, masked"),
    },
)
DONE_SHAPE = inline_serializer(
    "UnsubscribeDone",
    {"unsubscribed": serializers.BooleanField(), "type": serializers.CharField(allow_null=True)},
)


class UnsubscribeView(APIView):
    """`notifications/unsubscribe/?token=...`: GET what the link stops, POST to stop it (RFC 8058
    one-click: a mail client posts `List-Unsubscribe=One-Click`, or nothing). No sign-in and no
    CSRF token: the signed token is the credential. A bad or tampered token is a 400."""

    permission_classes = [AllowAny]
    authentication_classes = []  # no session: nothing to forge, so no CSRF check
    throttle_classes = [UnsubscribeThrottle]

    def _target(self, request) -> tuple[User, str | None]:
        token = request.query_params.get("token", "")
        try:
            user_id, kind = unsubscribe_read(token)
        except signing.BadSignature:
            raise ValidationError({"token": [INVALID]}) from None
        user = User.objects.filter(pk=user_id).first()
        if user is None:  # deleted since: nothing left to unsubscribe
            raise ValidationError({"token": [INVALID]})
        return user, kind

    @extend_schema(parameters=[TOKEN_PARAMETER], responses={200: TARGET_SHAPE})
    def get(self, request):
        user, kind = self._target(request)
        return Response(
            {
                "type": kind,
                "label": target_label(kind),
                "email": masked(user.email) if user.email else None,
            }
        )

    @extend_schema(parameters=[TOKEN_PARAMETER], request=None, responses={200: DONE_SHAPE})
    def post(self, request):
        user, kind = self._target(request)
        mail_unsubscribe(user_id=user.pk, kind=kind)
        return Response({"unsubscribed": True, "type": kind})
