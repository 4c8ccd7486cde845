"""Signing in every way there is, from a chosen address, and TOTP codes as an authenticator app
computes them (RFC 6238, from the standard library: not allauth's own code)."""

import base64
import hashlib
import hmac
import struct
import time

from django.test import Client
from rest_framework.test import APIClient

ALLAUTH = "/api/_allauth"


def totp(secret: str, *, at: float | None = None) -> str:
    """The 6-digit code of a base32 secret for the 30-second step holding `at`; by default now,
    once the step has at least a second left (the server checks the current step only)."""
    if at is None:
        if 30 - time.time() % 30 < 1:
            time.sleep(30 - time.time() % 30)  # the next step begins within the second
        at = time.time()
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(at // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wrong_code(secret: str) -> str:
    """A code no step near now accepts."""
    near = {totp(secret, at=time.time() + step * 30) for step in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def at_address(address: str, client_class=Client):
    """A client whose every request comes from `address` (REMOTE_ADDR)."""
    return client_class(REMOTE_ADDR=address)


# Each sign_in_* takes the client, the username and the password, then more fields for the
# body (`fields`) and the request's extra headers (HTTP_X_FORWARDED_FOR=...) as keywords.


def sign_in_token(client, username: str, password: str, fields=(), **headers):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password, **dict(fields)},
        content_type="application/json", **headers,
    )  # fmt: skip


def sign_in_session(client, username: str, password: str, fields=(), **headers):
    return client.post(
        "/api/auth/session/", {"username": username, "password": password, **dict(fields)},
        content_type="application/json", **headers,
    )  # fmt: skip


def sign_in_page(path: str):
    def sign_in(client, username: str, password: str, fields=(), **headers):
        body = {"username": username, "password": password, "next": "/", **dict(fields)}
        return client.post(path, body, **headers)

    return sign_in


def sign_in_allauth(app: str):
    def sign_in(client, username: str, password: str, fields=(), **headers):
        return client.post(
            f"{ALLAUTH}/{app}/v1/auth/login",
            {"username": username, "password": password, **dict(fields)},
            content_type="application/json", **headers,
        )  # fmt: skip

    return sign_in


# Each way in: a sign-in function, what a wrong password gets, and what a right one gets.
SIGN_IN_WAYS = {
    "token": (sign_in_token, 400, 200),
    "session": (sign_in_session, 400, 200),
    "browsable-login": (sign_in_page("/api-auth/login/"), 200, 302),
    "admin-login": (sign_in_page("/admin/login/"), 200, 302),
    "allauth-browser": (sign_in_allauth("browser"), 400, 200),
    "allauth-app": (sign_in_allauth("app"), 400, 200),
}


def api_client(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def reauthenticate(client, password: str):
    """allauth asks for the password again before a change of address or of second factor."""
    return client.post(
        f"{ALLAUTH}/browser/v1/auth/reauthenticate", {"password": password},
        content_type="application/json",
    )  # fmt: skip
