"""Domain errors raised by services, and the DRF handler that turns them into 4xx responses."""

import logging

import redis
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from divan.parsers import body_error_for_api

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain was broken; the API answers with `status_code` in DRF's shape."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request breaks a rule of the domain."

    def __init__(self, detail: str | dict | None = None):
        self.detail = detail if detail is not None else self.default_detail
        super().__init__(self.detail)

    def as_api_exception(self) -> exceptions.APIException:
        if isinstance(self.detail, dict):
            error = exceptions.ValidationError(self.detail)
        else:
            error = exceptions.APIException(self.detail)
        error.status_code = self.status_code
        return error


class InvalidInput(DomainError):
    """Field errors: pass a dict such as {"slug": ["..."]} to keep DRF's field shape."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid input."


class PermissionDenied(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."


class Refused(DomainError):
    """403 whoever asks, signed in or not: the account may not do this yet (an unverified
    address, sign-up closed). PermissionDenied would ask an anonymous caller to sign in."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Refused."


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."


class QuotaExceeded(DomainError):
    """A per-user quota is spent: 429, with Retry-After (seconds until it frees up)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Quota exceeded."

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = max(int(retry_after), 1)

    def as_api_exception(self) -> exceptions.APIException:
        return exceptions.Throttled(wait=self.retry_after, detail=self.detail)


def _for_api(exc: DomainError, context) -> exceptions.APIException:
    request, view = context.get("request"), context.get("view")
    if isinstance(exc, PermissionDenied) and request is not None and view is not None:
        # As DRF's own permission checks answer: an anonymous caller is asked to authenticate.
        auth_header = view.get_authenticate_header(request)
        if auth_header and request.successful_authenticator is None:
            error = exceptions.NotAuthenticated()
            error.auth_header = auth_header
            return error
    return exc.as_api_exception()


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service Divan needs for this request is unavailable; try again shortly."
    default_code = "service_unavailable"


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return drf_exception_handler(_for_api(exc, context), context)
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        # What needs Redis itself (an Idempotency-Key's record) cannot be done without it.
        logger.warning("Redis unreachable while answering %s: %s", context.get("request"), exc)
        return drf_exception_handler(ServiceUnavailable(), context)
    return drf_exception_handler(body_error_for_api(exc) or exc, context)
