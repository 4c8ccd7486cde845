"""Divan's OpenAPI schema class: drf-spectacular's, plus the headers Divan's kernel honours."""

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


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(
            self.view, getattr(self.view, "action", None) or self.method.lower(), None
        )
        if getattr(handler, "idempotent", False):
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters
