"""Query-string filters shared by list endpoints."""

from drf_spectacular.utils import OpenApiParameter

from communities.services.tags import tag_normalize
from divan.exceptions import InvalidInput

GROUP_QUERY_MAX_LENGTH = 100

TAG_PARAMETER = OpenApiParameter(
    "tag", str, description="Only what carries this tag (normalized like any tag)."
)
GROUP_QUERY_PARAMETER = OpenApiParameter(
    "q",
    str,
    description="Only groups whose name or description holds this text, in any case "
    f"(at most {GROUP_QUERY_MAX_LENGTH} characters; blank: no filter).",
)
MINE_PARAMETER = OpenApiParameter(
    "mine", bool, description="true: only the groups you are a member of (none when anonymous)."
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


def group_query_filter(request) -> str | None:
    """The `?q=` text to find in groups, whitespace stripped; None when absent or blank."""
    raw = request.query_params.get("q")
    text = raw.strip() if raw is not None else ""
    if not text:
        return None
    if len(text) > GROUP_QUERY_MAX_LENGTH:
        message = f"Ensure this field has no more than {GROUP_QUERY_MAX_LENGTH} characters."
        raise InvalidInput({"q": [message]})
    if "\x00" in text:  # PostgreSQL text cannot hold one: a 400, never a 500
        raise InvalidInput({"q": ["Null characters are not allowed."]})
    return text


def mine_filter(request) -> bool:
    """The `?mine=` switch: `true` or `false` (absent: false); anything else is a 400."""
    raw = request.query_params.get("mine")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise InvalidInput({"mine": ['Must be "true" or "false".']})
