"""What the stream process asks PostgreSQL, run in its few database threads (live/server.py):
who a connection is, whether they are still signed in, who may see a message, and their
unread count. Each is one or two statements however many people it is asked about."""

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import close_old_connections
from django.http.cookie import parse_cookie
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework.authtoken.models import Token

from communities.selectors.visibility import KEEPS_OUT
from divan.sql import fetch_all
from live import queries
from notifications.unread import unread_count_kept

# the kinds of block that keep a person's content out of what the viewer reads
KEPT_OUT = [kind.value for kind, keeps_out in KEEPS_OUT.items() if keeps_out]
SESSION = "session"
TOKEN = "token"


@dataclass(frozen=True)
class Credential:
    """How a connection signed in: its user, and the session key or token it came with."""

    user_id: int
    kind: str
    key: str


def fresh(function):
    """Runs `function` on a database connection that is usable (a broken or old one closed
    first, as Django does between requests)."""

    def run(*args, **kwargs):
        close_old_connections()
        return function(*args, **kwargs)

    return run


@fresh
def authenticate(*, cookie: str, authorization: str) -> Credential | None:
    """The signed-in person of a request's Cookie and Authorization headers: a token (as DRF's
    TokenAuthentication reads it) or Django's session (as the auth middleware reads it, the
    password-change check included); None when neither signs anyone in."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() == "token" and key.strip():
        token = Token.objects.filter(key=key.strip(), user__is_active=True).first()
        return Credential(token.user_id, TOKEN, token.key) if token else None
    session_key = parse_cookie(cookie).get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    if not user.is_authenticated or not user.is_active:
        return None
    return Credential(user.pk, SESSION, session_key)


@fresh
def still_signed_in(credentials: list[Credential]) -> set[Credential]:
    """Those of `credentials` that still sign their person in: the token not deleted, the
    session not ended nor expired, its password hash current, the person active."""
    tokens = {c.key for c in credentials if c.kind == TOKEN}
    valid = set(
        Token.objects.filter(key__in=tokens, user__is_active=True).values_list("key", "user_id")
    )
    sessions = {c.key for c in credentials if c.kind == SESSION}
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    decoded = {
        session.session_key: store.decode(session.session_data)
        for session in Session.objects.filter(
            session_key__in=sessions, expire_date__gt=timezone.now()
        )
    }
    users = get_user_model().objects.filter(
        pk__in={int(data.get(auth.SESSION_KEY, 0)) for data in decoded.values()}, is_active=True
    )
    hashes = {user.pk: user.get_session_auth_hash() for user in users}
    for key, data in decoded.items():
        user_id = int(data.get(auth.SESSION_KEY, 0))
        if user_id in hashes and constant_time_compare(
            data.get(auth.HASH_SESSION_KEY, ""), hashes[user_id]
        ):
            valid.add((key, user_id))
    return {c for c in credentials if (c.key, c.user_id) in valid}


@fresh
def readers(user_ids: list[int], about: dict) -> set[int]:
    """Of `user_ids`, who may see a message about `about` (channels.scope) now; a message about
    no group (a person's own unread count) is theirs."""
    if about.get("group") is None:
        return set(user_ids)
    group, post, author = (_id_or_none(about.get(name)) for name in ("group", "post", "author"))
    params = {
        "users": list(user_ids),
        "group": group,
        "post": post,
        "author": author,
        "kept_out": KEPT_OUT,
    }
    return {user_id for (user_id,) in fetch_all(queries.READERS, params)}


def _id_or_none(value) -> int | None:
    """A scope's id as the statement takes it; ValueError for anything else (no message of
    ours, which the stream process then sends to nobody)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"{value!r} is not an id")


@fresh
def unread(user_id: int) -> dict:
    """The person's unread count as GET notifications/unread/ answers it."""
    count = unread_count_kept(recipient=get_user_model()(pk=user_id))
    return {"total": count.total, "display": count.display, "by_type": count.by_type}
