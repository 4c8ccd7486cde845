"""Sign-up and sign-in protection: every way into an account, counted per caller and per
username (or address, or user), answered 429 with Retry-After past its rate.

`WAYS_IN` is the one table: each view through which a request reaches an account (ours, the
Django admin's and DRF's login pages, django-allauth's headless endpoints for both its clients),
the methods that count there, and its action. Each action's limits are THROTTLE_*_RATE settings,
read at each request. Every attempt counts against the caller's address (`caller_ident`, as the
API's throttles tell callers apart); the limits marked `failures_only` count an attempt the view
refused, and take back the others once the view has answered (a sign-in that succeeded, a right
code): counting first and taking back after keeps concurrent guesses from slipping past the
limit. The counters are divan.throttling's attempt counters (a sliding period in Redis).

The middleware decides before the view runs, as Django's CSRF check does, so that a throttled
request never reaches a password check: a right password sent while throttled is refused too.
django-allauth's own rate limits are off for the actions counted here (ACCOUNT_RATE_LIMITS in
the settings), so that one limit, not two, holds for each.
"""

import hashlib
import json
import math
import time
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from allauth.account.utils import url_str_to_user_pk
from allauth.headless import app_settings as headless_settings
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled

from divan.models import User
from divan.throttling import Counter, attempt_admit, attempt_forget, caller_ident, parse_rate


class Per(StrEnum):
    """What a limit counts by."""

    IP = "ip"  # the caller's address (an IPv6 caller's /64)
    USERNAME = "username"  # the username (or address) a sign-in names
    ADDRESS = "address"  # the email address a reset or a verification mails
    USER = "user"  # the account a code or a password check is for


@dataclass(frozen=True)
class Limit:
    setting: str  # THROTTLE_*_RATE
    per: Per
    failures_only: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    limits: tuple[Limit, ...]


SIGN_IN = Action(
    "sign_in",
    (
        Limit("THROTTLE_SIGN_IN_RATE", Per.IP),
        Limit("THROTTLE_SIGN_IN_USERNAME_RATE", Per.USERNAME, failures_only=True),
    ),
)
SIGN_UP = Action("sign_up", (Limit("THROTTLE_SIGN_UP_RATE", Per.IP),))
PASSWORD_RESET = Action(
    "password_reset",
    (
        Limit("THROTTLE_PASSWORD_RESET_RATE", Per.IP),
        Limit("THROTTLE_PASSWORD_RESET_ADDRESS_RATE", Per.ADDRESS),
    ),
)
VERIFICATION = Action(
    "verification",
    (
        Limit("THROTTLE_VERIFICATION_RATE", Per.IP),
        Limit("THROTTLE_VERIFICATION_ADDRESS_RATE", Per.ADDRESS),
    ),
)
TWO_FACTOR = Action(
    "two_factor",
    (
        Limit("THROTTLE_TWO_FACTOR_RATE", Per.IP),
        Limit("THROTTLE_TWO_FACTOR_USER_RATE", Per.USER, failures_only=True),
    ),
)
REAUTHENTICATE = Action(
    "reauthenticate",
    (
        Limit("THROTTLE_REAUTHENTICATE_RATE", Per.IP),
        Limit("THROTTLE_REAUTHENTICATE_USER_RATE", Per.USER, failures_only=True),
    ),
)


class Kind(StrEnum):
    """How a way in reads its body, says no, and is answered when throttled."""

    PAGE = "page"  # a Django LoginView: a form; refused unless it redirects; a short page
    DRF = "drf"  # ours: JSON or a form, as DRF parses it; refused with a 4xx; {"detail": ...}
    ALLAUTH = "allauth"  # headless: always JSON; refused with a 400; allauth's envelope + detail


@dataclass(frozen=True)
class WayIn:
    action: Action
    kind: Kind
    methods: frozenset[str] = frozenset({"POST"})
    # A `code` in the body makes the request a two-factor attempt too (sign-in with a code).
    code_is_two_factor: bool = False


# Each way in, by its URL name (allauth's without the client: browser/ and app/ are one).
WAYS_IN: dict[str, WayIn] = {
    "admin:login": WayIn(SIGN_IN, Kind.PAGE),
    # the browsable API's login: DRF's page with the second-factor refusal (config/urls.py)
    "api-auth-login": WayIn(SIGN_IN, Kind.PAGE),
    "auth:token": WayIn(SIGN_IN, Kind.DRF, code_is_two_factor=True),
    "auth:session": WayIn(SIGN_IN, Kind.DRF, code_is_two_factor=True),
    "auth:register": WayIn(SIGN_UP, Kind.DRF),
    "auth:session-register": WayIn(SIGN_UP, Kind.DRF),
    "headless:account:login": WayIn(SIGN_IN, Kind.ALLAUTH),
    "headless:account:signup": WayIn(SIGN_UP, Kind.ALLAUTH),
    "accounts-headless:signup": WayIn(SIGN_UP, Kind.ALLAUTH),  # accounts.headless's, in front
    "headless:account:request_password_reset": WayIn(PASSWORD_RESET, Kind.ALLAUTH),
    "headless:account:reset_password": WayIn(PASSWORD_RESET, Kind.ALLAUTH),
    "headless:account:verify_email": WayIn(VERIFICATION, Kind.ALLAUTH),
    "headless:account:resend_email_verification_code": WayIn(VERIFICATION, Kind.ALLAUTH),
    # adding an address (POST) or asking its verification mail again (PUT)
    "headless:account:manage_email": WayIn(VERIFICATION, Kind.ALLAUTH, frozenset({"POST", "PUT"})),
    "headless:account:reauthenticate": WayIn(REAUTHENTICATE, Kind.ALLAUTH),
    "headless:account:change_password": WayIn(REAUTHENTICATE, Kind.ALLAUTH),
    "headless:mfa:authenticate": WayIn(TWO_FACTOR, Kind.ALLAUTH),
    "headless:mfa:reauthenticate": WayIn(TWO_FACTOR, Kind.ALLAUTH),
    "headless:mfa:manage_totp": WayIn(TWO_FACTOR, Kind.ALLAUTH),  # activation, with a code
    # deleting one's account: the password (and a code) once more
    "account-delete": WayIn(REAUTHENTICATE, Kind.DRF),
}


def way_in_name(match) -> str:
    """The WAYS_IN name of a resolved URL."""
    if match.namespaces[:1] == ["headless"]:  # headless:{browser,app}:...
        return ":".join(["headless", *match.namespaces[2:], match.url_name])
    return match.view_name


def refused(kind: Kind, status: int) -> bool:
    """Whether the view said no: a wrong password or code, or a form sent back."""
    if kind is Kind.PAGE:
        return status != 302
    if kind is Kind.ALLAUTH:
        return status == 400  # its 401 is a next step (a code to give): the password was right
    return status >= 400


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNREADABLE = (
    ValueError,  # bad JSON, bad bytes for the charset
    RecursionError,  # JSON nested past the interpreter's limit
    LookupError,  # an unknown charset
    OSError,  # the client went away
    SuspiciousOperation,  # past Django's bounds
    RawPostDataException,
    MultiPartParserError,
)


def request_fields(request: HttpRequest, kind: Kind) -> Mapping:
    """The body's fields as the view will read them (allauth parses any body as UTF-8 JSON; DRF
    by its content type and charset); nothing when it cannot be read, which the view refuses."""
    try:
        if kind is Kind.PAGE or (kind is Kind.DRF and request.content_type.lower() in FORM_TYPES):
            return request.POST
        raw = request.body
        charset = "utf-8" if kind is Kind.ALLAUTH else request.encoding or settings.DEFAULT_CHARSET
        data = json.loads(raw.decode(charset)) if raw else {}
    except UNREADABLE:
        return {}
    return data if isinstance(data, dict) else {}


def _text(value) -> str | None:
    """A field as the views read it: JSON's numbers as text (DRF's and Django's CharFields take
    them), so that `{"username": 123}` names the user "123" here too; nothing for no value."""
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    return text.strip() or None


def _digest(value) -> str | None:
    """A name or an address as a key: normalised as loosely as any backend matches it, hashed,
    so that Redis holds no one's address."""
    text = _text(value)
    if text is None:
        return None
    normal = unicodedata.normalize("NFKC", text).casefold()
    return hashlib.sha256(normal.encode()).hexdigest()[:32]


def _session_user_id(request: HttpRequest) -> str | None:
    """For allauth's endpoints, the account the session (the browser's cookie, or an app's
    X-Session-Token) is signed in to, or is signing in to (waiting for a code)."""
    if request.resolver_match.namespaces[1:2] == ["app"]:
        strategy = headless_settings.TOKEN_STRATEGY
        token = strategy.get_session_token(request)
        session = strategy.lookup_session(token) if token else None
    else:
        session = request.session
    if session is None:
        return None
    user_id = session.get(SESSION_KEY)
    pending = session.get(LOGIN_SESSION_KEY)  # allauth's stashed login, its user's pk in base 36
    if user_id is None and isinstance(pending, dict) and pending.get("user_pk"):
        try:
            user_id = url_str_to_user_pk(pending["user_pk"])
        except ValueError:
            return None
    return str(user_id) if user_id else None


def _subject(request: HttpRequest, way: WayIn, fields: Mapping, per: Per) -> str | None:
    """Whom a limit counts this request against; None when the request names no one."""
    login = _text(fields.get("username")) or _text(fields.get("email"))
    if per is Per.IP:
        return caller_ident(request) or "unknown"
    if per is Per.USERNAME:
        return _digest(login)
    if per is Per.ADDRESS:
        return _digest(fields.get("email"))
    if way.kind is Kind.ALLAUTH:
        return _session_user_id(request)
    if login:  # a sign-in with a code names its account
        user_id = User.objects.filter(username__iexact=login).values_list("pk", flat=True).first()
        return str(user_id) if user_id else None
    return _caller_user_id(request)


def _caller_user_id(request: HttpRequest) -> str | None:
    """For our endpoints that check a signed-in person's password again (deleting the
    account): the account of the API token sent, or of the browser's session."""
    keyword, _, key = request.headers.get("Authorization", "").partition(" ")
    if keyword == "Token" and key:
        user_id = Token.objects.filter(key=key.strip()).values_list("user_id", flat=True).first()
        return str(user_id) if user_id else None
    user_id = request.session.get(SESSION_KEY)
    return str(user_id) if user_id else None


def counters_for(request: HttpRequest, way: WayIn) -> list[tuple[Counter, bool]]:
    """The counters this request counts in, each with whether it counts failures only."""
    fields = request_fields(request, way.kind)
    actions = [way.action]
    if way.code_is_two_factor and _text(fields.get("code")):
        actions.append(TWO_FACTOR)
    counters = []
    for action in actions:
        for limit in action.limits:
            rate = parse_rate(getattr(settings, limit.setting))
            subject = rate and _subject(request, way, fields, limit.per)
            if subject:
                name = f"{action.name}:{limit.per}:{subject}"
                counters.append((Counter(name, *rate), limit.failures_only))
    return counters


def throttled_response(request: HttpRequest, kind: Kind, wait: float) -> HttpResponse:
    seconds = max(math.ceil(wait), 1)
    detail = str(Throttled(wait=seconds).detail)
    if kind is Kind.PAGE:
        response = render(request, "accounts/throttled.html", {"seconds": seconds}, status=429)
    elif kind is Kind.ALLAUTH:
        response = JsonResponse({"status": 429, "detail": detail}, status=429)
        add_never_cache_headers(response)
    else:
        response = JsonResponse({"detail": detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@dataclass(frozen=True)
class Attempt:
    id: str
    kind: Kind
    failure_counters: list[Counter]


class SignInThrottleMiddleware:
    """Counts each request to a way in before its view runs (429 past a limit), and takes back
    what it counted in failures-only counters once the view has said yes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        attempt: Attempt | None = getattr(request, "_sign_in_attempt", None)
        if attempt and attempt.failure_counters and not refused(attempt.kind, response.status_code):
            attempt_forget(attempt.failure_counters, attempt=attempt.id)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        way = WAYS_IN.get(way_in_name(request.resolver_match))
        if way is None or request.method not in way.methods:
            return None
        counted = counters_for(request, way)
        attempt = Attempt(uuid.uuid4().hex, way.kind, [c for c, failures in counted if failures])
        wait = attempt_admit([c for c, _ in counted], attempt=attempt.id, now=time.time())
        if wait is not None:
            return throttled_response(request, way.kind, wait)
        request._sign_in_attempt = attempt
        return None
