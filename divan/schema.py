"""Divan's OpenAPI schema class: drf-spectacular's, plus the headers Divan's kernel honours and
a tag for each operation by what its path is about."""

import re

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter

from divan.idempotency import HEADER, MAX_KEY_LENGTH

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {MAX_KEY_LENGTH} printable ASCII characters, unique per create. A repeat with "
        "the same key and body replays the first answer (with `Idempotent-Replayed: true`); "
        "another body gets 422, a repeat while the first still runs gets 409."
    ),
)

# Each operation's Swagger tag: the first pattern its path matches (most specific first). Kept by
# path, in one table, so the views need no decorator; an explicit extend_schema(tags=...) wins. Each
# tag's description is in SPECTACULAR_SETTINGS["TAGS"].
OPERATION_TAGS = (
    (r"^/api/auth/", "auth"),
    (r"^/api/ops/", "ops"),
    (r"/(notifications|notification-level)/", "notifications"),
    (r"/live/", "live"),
    (r"/blocks/", "people"),
    (r"/reactions/$", "reactions"),
    (r"/(hide|restore|lock|unlock|pin|unpin)/$", "moderation"),
    (r"/(bans|moderation-log)/", "moderation"),
    (r"/users/", "people"),
    (r"/reports/", "reports"),
    (r"/(members|join-requests|invitations|signup-invitations|join|leave)/", "members"),
    (r"/feed/", "feeds"),
    (r"/(search|tags)/$", "search"),
    (r"/uploads/", "uploads"),
    (r"/comments/", "comments"),
    (r"/posts/", "posts"),
    (r"/groups/", "groups"),
)


class AutoSchema(SpectacularAutoSchema):
    def get_tags(self) -> list[str]:
        for pattern, tag in OPERATION_TAGS:
            if re.search(pattern, self.path):
                return [tag]
        return super().get_tags()

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(
            self.view, getattr(self.view, "action", None) or self.method.lower(), None
        )
        if getattr(handler, "idempotent", False):
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters
