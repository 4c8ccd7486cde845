"""Query-string filters shared by list endpoints."""

from drf_spectacular.utils import OpenApiParameter

from communities.services.tags import tag_normalize
from divan.exceptions import InvalidInput

TAG_PARAMETER = OpenApiParameter(
    "tag", str, description="Only what carries this tag (normalized like any tag)."
)


def tag_filter(request) -> str | None:
    """The `?tag=` filter as a normalized tag; a value that cannot be a tag is a 400."""
    raw = request.query_params.get("tag")
    if raw is None:
        return None
    try:
        return tag_normalize(raw)
    except ValueError as error:
        raise InvalidInput({"tag": [str(error)]}) from None
