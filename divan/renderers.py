"""The browsable API, drawn so that it never shows more than the JSON answer to the same viewer.

DRF fills a page's PUT and PATCH forms from the object behind the answer, serialized by the
input serializer, whenever the view-level permission passes: the object's role checks run
later, in the services. So a non-member's form would carry what the JSON answer leaves out (a
private group's tags, say). Here no form ever sees an object: every form starts blank (or with
what the caller just sent), and the page shows an object only as the JSON renderer does.
"""

from rest_framework import renderers


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
