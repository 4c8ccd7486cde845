"""API token authentication with no SQL for a known token: a record per token in Redis, read in
the one round trip that also counts the request's throttle windows; and deleting tokens.

Redis layout: {REDIS_KEY_PREFIX}:auth:token:{sha256 of the token, 32 hex} holds
"{user id}\n{JSON list of RECORD_FIELDS}" for an active user's token (filled on a miss from
PostgreSQL with SET NX, AUTH_TOKEN_CACHE_SECONDS), or TOMBSTONE for AUTH_TOKEN_TOMBSTONE_SECONDS
once the token was deleted or its user changed. A tombstone is written with a plain SET, at the
change and again after its commit: a fill that read PostgreSQL before the commit finds it and
writes nothing (NX), so no process can bring a revoked record back; while it lives, requests
with that token read PostgreSQL, which has the truth. What changes a record: deleting tokens
(`tokens_delete`: signing out, a changed password, a deleted account; any other delete of a
Token, a user deleted from the shell included, through `token_deleted` on post_delete), saving
the user with any of RECORD_FIELDS (divan.models.User.save: deactivation included) and the
admin's token pages. A record of an inactive user is never trusted, whoever wrote it.
No record is written for an inactive user, so the bulk updates of `is_active` that start and
approve an account awaiting approval (accounts.services.registration) have none to revoke; a
deleted account's tokens go through `tokens_delete` before its row is made inactive. The user's
other fields (the password hash, reputation, last_login) are not held: built with
`User.from_db`, the user reads them from PostgreSQL if a request asks.

One round trip: the record's GET and the INCR of each throttle window the view counts for a
user (divan.throttling) run in one Lua script, which reads the user's id from the record to name
the windows (keys a script builds itself: Redis standalone or Sentinel, not Cluster). The counts
wait on the request for the throttles; a miss counts nothing and the throttles make their own
round trip. Redis down: PostgreSQL answers (DRF's own lookup), the throttles let requests
through, and a tombstone that could not be written is logged: a record already in Redis then
lives until its TTL, which is why that TTL is minutes.
"""

import functools
import hashlib
import json
import logging
import time

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from divan import queries, throttling
from divan.redis import get_redis, redis_key
from divan.sql import fetch_all

logger = logging.getLogger(__name__)

# What a request reads of its user without a query: who they are and what they may do.
RECORD_FIELDS = frozenset(
    ("id", "username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")
)
TOMBSTONE = "-"

# Reads the token's record; when it is a user's, counts each throttle window (ARGV: the window's
# key with "{user}" for the user's id, then its expiry). Answers the record, then the counts.
_READ = """
local record = redis.call('GET', KEYS[1])
if not record then
  return {false}
end
local user = string.match(record, '^(%d+)\\n')
if not user then
  return {record}
end
local answer = {record}
for i = 1, #ARGV, 2 do
  local key = string.gsub(ARGV[i], '{user}', user)
  local count = redis.call('INCR', key)
  if count == 1 then
    redis.call('EXPIRE', key, ARGV[i + 1])
  end
  answer[#answer + 1] = count
end
return answer
"""


@functools.cache
def _read_script(client):
    return client.register_script(_READ)


@functools.cache
def _record_attnames() -> tuple[str, ...]:
    """RECORD_FIELDS in the model's column order, the order `from_db` takes values in."""
    fields = get_user_model()._meta.concrete_fields
    return tuple(field.attname for field in fields if field.attname in RECORD_FIELDS)


def _record_key(token_key: str) -> str:
    return redis_key("auth", "token", hashlib.sha256(token_key.encode()).hexdigest()[:32])


def _record(user) -> str:
    values = [getattr(user, attname) for attname in _record_attnames()]
    return f"{user.pk}\n{json.dumps(values, separators=(',', ':'))}"


def _from_record(token_key: str, record: str):
    """The token and its user, as the record holds them."""
    user = get_user_model().from_db(
        connection.alias, _record_attnames(), json.loads(record.partition("\n")[2])
    )
    token = Token.from_db(connection.alias, ("key", "user_id"), (token_key, user.pk))
    token.user = user
    return user, token


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (the same header, answers and errors), reading the token's
    record from Redis first and counting the view's throttle windows in the same round trip."""

    def authenticate(self, request):
        self.request = request  # one instance per request: DRF builds them for each
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        windows = self._user_windows()
        try:
            record, *counts = _read_script(get_redis())(
                keys=[_record_key(key)], args=[part for window in windows for part in window]
            )
        except redis.RedisError as error:
            logger.warning("token record not read, Redis refused: %s", error)
            return super().authenticate_credentials(key)
        if record and record != TOMBSTONE:
            user, token = _from_record(key, record)
            if user.is_active:  # only active users' records are written; trust no other
                user_id = str(user.pk)
                throttling.counted_ahead(
                    self.request,
                    {
                        window.replace(throttling.USER_MARK, user_id): count
                        for (window, _), count in zip(windows, counts, strict=True)
                    },
                )
                return user, token
        user, token = super().authenticate_credentials(key)
        if record is None:
            token_records_fill([token])
        return user, token

    def _user_windows(self) -> list[tuple[str, int]]:
        """The throttle windows this request counts in, once its user is known."""
        view = (getattr(self.request, "parser_context", None) or {}).get("view")
        if view is None:
            return []
        now = time.time()
        windows = (
            throttle.user_window(self.request, now)
            for throttle in view.get_throttles()
            if isinstance(throttle, throttling.WindowThrottleMixin)  # others count by themselves
        )
        return [window for window in windows if window is not None]


def token_records_fill(tokens) -> None:
    """Records for these tokens (each with its user, read from PostgreSQL), where none is there
    and no tombstone either (SET NX)."""
    seconds = settings.AUTH_TOKEN_CACHE_SECONDS
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for token in tokens:
                pipe.set(_record_key(token.key), _record(token.user), nx=True, ex=seconds)
            pipe.execute()
    except redis.RedisError as error:
        logger.warning("token records not written, Redis refused: %s", error)


def token_records_forget(token_keys: list[str]) -> None:
    """Tombstones for these tokens' records, now and after the commit (see above)."""
    if not token_keys:
        return
    _tombstone(token_keys)
    transaction.on_commit(lambda: _tombstone(token_keys))


def token_records_forget_user(*, user_id: int) -> None:
    """Tombstones for the records of every token of the user: their user changed. The tokens
    are read again after the commit, so that one created meanwhile (a sign-in whose first
    request filled its record from the old row) is covered too."""

    def forget() -> None:
        _tombstone(list(Token.objects.filter(user_id=user_id).values_list("key", flat=True)))

    forget()
    transaction.on_commit(forget)
    _streams_check(user_id)


def token_deleted(sender, instance: Token, **kwargs) -> None:
    """post_delete of a Token however it went (a user deleted from the shell, whose tokens go by
    cascade; a queryset's delete): its record is forgotten, as tokens_delete does."""
    token_records_forget([instance.key])
    _streams_check(instance.user_id)


def _streams_check(user_id: int) -> None:
    """The person's live streams check their sign-ins once this commits (live/)."""
    from live.channels import sign_ins_changed  # live/ builds on this module, not it on live/

    sign_ins_changed(user_id)


def _tombstone(token_keys: list[str]) -> None:
    if not token_keys:
        return
    seconds = settings.AUTH_TOKEN_TOMBSTONE_SECONDS
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for token_key in token_keys:
                pipe.set(_record_key(token_key), TOMBSTONE, ex=seconds)
            pipe.execute()
    except redis.RedisError as error:
        logger.warning("token records not revoked in Redis (they expire by themselves): %s", error)


def tokens_delete(*, user_id: int) -> None:
    """Deletes every API token of the user, their records with them."""
    deleted = fetch_all(queries.TOKENS_DELETE, [user_id])
    token_records_forget([key for (key,) in deleted])
    _streams_check(user_id)
