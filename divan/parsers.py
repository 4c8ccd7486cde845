"""Bounds on request bodies: size, number of fields and JSON nesting depth, each a setting.

A body past them gets a 413 or a 400 in DRF's error shape, never a RecursionError or a 500:
- its size (REQUEST_BODY_MAX_BYTES, Django's DATA_UPLOAD_MAX_MEMORY_SIZE) is checked against
  Content-Length by `RequestBodyLimitMiddleware` before anything reads it, on every path;
- its fields (REQUEST_BODY_MAX_FIELDS, Django's DATA_UPLOAD_MAX_NUMBER_FIELDS): Django counts
  form fields (and query string parameters), `JSONParser` counts JSON keys and list items;
- its files (REQUEST_BODY_MAX_FILES, Django's DATA_UPLOAD_MAX_NUMBER_FILES), in a multipart body;
- JSON nesting (REQUEST_BODY_MAX_DEPTH) is checked by `JSONParser`.
Endpoints that take no body never parse one, and so never refuse one for its content, unless
an Idempotency-Key asks them to tell a repeat from another request by it.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from rest_framework import exceptions, parsers, status


def _too_large_detail() -> str:
    return f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


class RequestBodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_body_too_large"

    def __init__(self):
        super().__init__(_too_large_detail())


def _too_many_fields() -> exceptions.ParseError:
    return exceptions.ParseError(
        f"The request has too many fields: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}."
    )


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        f"JSON parse error - nested deeper than {settings.REQUEST_BODY_MAX_DEPTH} levels."
    )


def body_error_for_api(exc: Exception) -> exceptions.APIException | None:
    """The API's answer to Django's refusal of a body (or a query string) past its bounds."""
    if isinstance(exc, RequestDataTooBig):
        return RequestBodyTooLarge()
    if isinstance(exc, TooManyFieldsSent):
        return _too_many_fields()
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(
            f"The request has too many files: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES}."
        )
    return None


def _check_shape(data) -> None:
    """ParseError if parsed JSON nests deeper than REQUEST_BODY_MAX_DEPTH or holds more keys and
    list items in all than DATA_UPLOAD_MAX_NUMBER_FIELDS; iterative, so any depth is safe."""
    fields = 0
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > settings.REQUEST_BODY_MAX_DEPTH:
            raise _too_deep()
        fields += len(children)
        if fields > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
            raise _too_many_fields()
        pending.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # past the interpreter's own limit, far past ours
            raise _too_deep() from None
        _check_shape(data)
        return data


# Paths whose views bound the body themselves, before reading it: the local store's upload
# (communities/api/uploads.py), up to the size its signed token allows.
UNLIMITED_PATHS = ("/api/communities/v1/uploads/local/",)


class RequestBodyLimitMiddleware:
    """413 for a body whose declared length is past REQUEST_BODY_MAX_BYTES, before any of it is
    read, on every path (the admin's and auth's forms too). Django reads no more than
    Content-Length, so the declared length bounds what any view can read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(UNLIMITED_PATHS):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:  # Django reads such a body as empty
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return JsonResponse(
                {"detail": _too_large_detail()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        return self.get_response(request)
