"""What became of an email verification link's key, so that a refused one says why.

allauth refuses every such key with one error, "invalid_or_expired_key". The person who followed
the link should know whether it was used already (the address is verified: nothing to do), has
expired (ask for a new one), or was never a whole link of ours (copied in part, say). The key is
allauth's HMAC one (`EmailConfirmationHMAC`): the address's id, signed with a timestamp."""

import json

from allauth.account import app_settings as account_settings
from allauth.account.models import EmailAddress
from django.core import signing
from django.http import HttpRequest
from django.http.request import RawPostDataException

KEY_HEADER = "X-Email-Verification-Key"


def key_state(key: str) -> str:
    """ "used", "expired", "invalid", or "valid" (as far as the key itself goes)."""
    try:
        pk = signing.loads(key, salt=account_settings.SALT)  # the signature alone
    except signing.BadSignature:
        return "invalid"
    if not isinstance(pk, int):
        return "invalid"
    address = EmailAddress.objects.filter(pk=pk).only("verified").first()
    if address is None:  # replaced by a later change of address, or its account gone
        return "invalid"
    if address.verified:  # a used key is "used", however old it is
        return "used"
    max_age = 60 * 60 * 24 * account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    try:
        signing.loads(key, salt=account_settings.SALT, max_age=max_age)
    except signing.SignatureExpired:
        return "expired"
    return "valid"


def key_of(request: HttpRequest | None) -> str:
    """The key a headless verification request carries: in its header (GET), or its JSON body."""
    if request is None:
        return ""
    key = request.headers.get(KEY_HEADER)
    if key:
        return key
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RawPostDataException):
        return ""
    return str(data.get("key") or "") if isinstance(data, dict) else ""
