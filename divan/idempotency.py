"""Idempotent creates: the Idempotency-Key header, its records in Redis, and `@idempotent`.

Follows draft-ietf-httpapi-idempotency-key-header and Stripe's practice. This module is the only
one that knows the Redis layout: one hash per user and key,

    {REDIS_KEY_PREFIX}:idempotency:{user_id}:{sha256 of the key}

    state        "in_flight" while the first request runs, "done" once its answer is stored
    fingerprint  "{method} {path} {sha256 of the canonical body}" of the first request
    token        the claim holder's random token (in flight only): only it may finish or release
    status, content_type, body    the stored answer (done only)

An in-flight record lives CLAIM_TTL_SECONDS, so that a killed worker frees its key; a done
record lives IDEMPOTENCY_KEY_TTL_SECONDS from the moment its answer was stored.
"""

import functools
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.utils.datastructures import MultiValueDict
from rest_framework import status

from divan.exceptions import Conflict, DomainError, InvalidInput
from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Longer than any request may run (gunicorn kills a worker after 30 s), short enough that a
# key held by a killed worker is free again within a minute.
CLAIM_TTL_SECONDS = 60

IN_FLIGHT = "in_flight"
DONE = "done"

# Claims the key for this request, or answers the record that already holds it.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'state', 'in_flight', 'token', ARGV[1], 'fingerprint', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return false
"""
# Stores the answer, if the claim is still this request's (it may have expired and moved on).
_COMPLETE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'content_type', ARGV[3],
  'body', ARGV[4])
redis.call('HDEL', KEYS[1], 'token')
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""
_RELEASE = """
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class IdempotencyKeyMalformed(InvalidInput):
    default_detail = (
        f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
    )


class IdempotencyKeyInFlight(Conflict):
    default_detail = (
        f"A request with this {HEADER} is still being processed; retry once it has finished."
    )


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = f"This {HEADER} was already used for a different request."


@dataclass(frozen=True)
class Claim:
    """This request holds the key: it runs, then completes or releases the claim."""

    record_key: str
    token: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: str


def key_ttl_seconds() -> int:
    return settings.IDEMPOTENCY_KEY_TTL_SECONDS


def record_key(*, user_id: int, key: str) -> str:
    """The Redis key of a user's idempotency key; hashed, so that any key has one fixed shape."""
    return redis_key("idempotency", user_id, hashlib.sha256(key.encode()).hexdigest())


def parse_key(raw: str) -> str:
    key = raw.strip()  # HTTP drops the whitespace around a header value
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise IdempotencyKeyMalformed()
    return key


def _canonical(value):
    """Parsed request data as plain JSON values; an uploaded file stands for its content."""
    if isinstance(value, MultiValueDict):
        return {str(name): [_canonical(item) for item in value.getlist(name)] for name in value}
    if isinstance(value, dict):
        return {str(name): _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def request_fingerprint(*, method: str, path: str, data) -> str:
    """What makes two requests the same: method, path and the canonical body (keys sorted)."""
    # ASCII escapes: a lone surrogate in the body is the view's 400 to give, not an encoding crash.
    body = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"))
    return f"{method.upper()} {path} {hashlib.sha256(body.encode()).hexdigest()}"


def idempotency_claim(*, user_id: int, key: str, fingerprint: str) -> Claim | StoredResponse:
    """Claim the key for a request, or return the answer stored for it.

    Raises IdempotencyKeyReused (422) when the key was first used for a different request, and
    IdempotencyKeyInFlight (409) while the first request with it is still running.
    """
    client = get_redis()
    record = record_key(user_id=user_id, key=key)
    token = secrets.token_hex(16)
    claim_ttl = min(CLAIM_TTL_SECONDS, key_ttl_seconds())
    existing = client.register_script(_CLAIM)(keys=[record], args=[token, fingerprint, claim_ttl])
    if existing is None:
        return Claim(record_key=record, token=token)
    fields = dict(zip(existing[::2], existing[1::2], strict=True))
    if fields.get("fingerprint") != fingerprint:
        raise IdempotencyKeyReused()
    if fields.get("state") != DONE:
        raise IdempotencyKeyInFlight()
    return StoredResponse(
        status=int(fields["status"]), content_type=fields["content_type"], body=fields["body"]
    )


def idempotency_complete(*, claim: Claim, status_code: int, content_type: str, body: str) -> bool:
    """Store the answer for the key's lifetime. False when the claim was no longer this one's."""
    stored = get_redis().register_script(_COMPLETE)(
        keys=[claim.record_key],
        args=[claim.token, status_code, content_type, body, key_ttl_seconds()],
    )
    return bool(stored)


def idempotency_state(*, user_id: int, key: str) -> str | None:
    """IN_FLIGHT, DONE, or None when the key is free."""
    return get_redis().hget(record_key(user_id=user_id, key=key), "state")


def idempotency_release(*, claim: Claim) -> None:
    """Free the key so that the client may retry; a no-op once the claim is no longer this one's."""
    get_redis().register_script(_RELEASE)(keys=[claim.record_key], args=[claim.token])


def _replay(stored: StoredResponse) -> HttpResponse:
    response = HttpResponse(stored.body, status=stored.status, content_type=stored.content_type)
    response[REPLAYED_HEADER] = "true"
    return response


def _run(view, view_method, request, args, kwargs):
    """The view's answer as DRF would send it, rendered; exceptions DRF cannot answer propagate."""
    try:
        response = view_method(view, request, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - handed to DRF's handler, which re-raises the rest
        response = view.handle_exception(exc)
    response = view.finalize_response(request, response, *args, **kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


def idempotent(view_method):
    """Honour the Idempotency-Key header on a DRF view method that creates something.

    Put it closest to the `def`, under `@action` and `@extend_schema`. Requests without the
    header, and anonymous ones, run as before.
    """

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        raw_key = request.headers.get(HEADER)
        if raw_key is None or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        key = parse_key(raw_key)
        fingerprint = request_fingerprint(
            method=request.method, path=request.path, data=request.data
        )
        claim = idempotency_claim(user_id=request.user.pk, key=key, fingerprint=fingerprint)
        if isinstance(claim, StoredResponse):
            return _replay(claim)
        try:
            response = _run(view, view_method, request, args, kwargs)
        except BaseException:
            idempotency_release(claim=claim)
            raise
        # Store every answer below 500, errors too: the view ran, a retry gets it (IETF, Stripe).
        if response.status_code >= 500 or response.streaming:  # retry a 5xx; streams are not kept
            idempotency_release(claim=claim)
            return response
        try:
            stored = idempotency_complete(
                claim=claim,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content.decode(),
            )
        except Exception:  # the write is done: failing to remember its answer is no 500
            logger.exception("Could not store the answer for an %s", HEADER)
        else:
            if not stored:
                logger.warning("An %s claim expired before its request finished", HEADER)
        return response

    wrapper.idempotent = True  # read by divan.schema to document the header
    return wrapper
