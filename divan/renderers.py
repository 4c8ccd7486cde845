"""The API's renderers: JSON through orjson, the same JSON as DRF's JSONRenderer, and the
browsable API, drawn so that it never shows more than the JSON answer to the same viewer.

DRF fills a page's PUT and PATCH forms from the object behind the answer, serialized by the
input serializer, whenever the view-level permission passes: the object's role checks run
later, in the services. So a non-member's form would carry what the JSON answer leaves out (a
private group's tags, say). Here no form ever sees an object: every form starts blank (or with
what the caller just sent), and the page shows an object only as the JSON renderer does.
"""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Compact and UTF-8 as DRF's; UTC written "Z", as DRF's encoder writes it.
_ORJSON_OPTIONS = orjson.OPT_UTC_Z
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))
_LINE_SEPARATOR_LEAD = b"\xe2"  # their UTF-8's first byte: one memchr rules both out


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSONRenderer with orjson's encoder. What orjson does not know goes through DRF's
    encoder (lazy strings, Decimals, querysets...); what it cannot write alike goes to DRF's
    renderer whole: an indented answer (the browsable API's), a key that is not a string, an
    integer past 64 bits. Where the bytes differ, the JSON does not: a float's exponent has no
    leading zero (1e-7, not 1e-07); and a NaN or infinite float is written null, where DRF
    refuses it (no answer holds one)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=_encoder.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR_LEAD in content:  # DRF escapes U+2028 and U+2029 for JavaScript
            for raw, escaped in _LINE_SEPARATORS:
                content = content.replace(raw, escaped)
        return content


_encoder = JSONEncoder()


def _detached(data):
    """The answer's data without the serializer it came from when that serializer holds an
    object. An input serializer holds none, only what the caller sent: it stays, so that a form
    sent back with errors keeps what was typed and shows the errors."""
    if getattr(getattr(data, "serializer", None), "instance", None) is None:
        return data
    return list(data) if isinstance(data, list) else dict(data)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_rendered_html_form(self, data, view, method, request):
        return super().get_rendered_html_form(_detached(data), view, method, request)

    def get_raw_data_form(self, data, view, method, request):
        return super().get_raw_data_form(_detached(data), view, method, request)
