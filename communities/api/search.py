"""Search over HTTP: GET search/?q= finds the posts and comments the viewer may read."""

import base64
import json
import math

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from communities.api.serializers import MAX_ID, id_field
from communities.models import Post
from communities.selectors.search import TYPES, SearchKey, SearchPage, search
from communities.services.tags import tag_normalize
from divan.exceptions import InvalidInput
from divan.pagination import CursorPagination

INVALID_CURSOR = "Invalid cursor."


class SearchQuerySerializer(serializers.Serializer):
    """The query string of a search (`cursor` and `page_size` are the paginator's)."""

    q = serializers.CharField(
        max_length=settings.SEARCH_QUERY_MAX_LENGTH,
        help_text='Words to find; "a phrase" in quotes, `or` between alternatives, -word to '
        "leave out. Stop words alone find nothing.",
    )
    group = id_field(required=False, help_text="Only in this group.")
    tag = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Only posts with this tag (normalized like any tag), and comments on them.",
    )
    type = serializers.ChoiceField(
        choices=TYPES, required=False, help_text="Only posts, or only comments."
    )

    def validate_tag(self, raw: str) -> str:
        try:
            return tag_normalize(raw)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class SearchGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.IntegerField()
    post_id = serializers.IntegerField()
    group = SearchGroupSerializer()
    title = serializers.CharField(
        help_text="The post's title (of the commented post, for a comment)."
    )
    snippet = serializers.CharField(
        help_text="HTML: an extract of the body, escaped, with the matched words in <mark>."
    )
    rank = serializers.FloatField(help_text="How well it matches: higher is better.")
    created_at = serializers.DateTimeField()


class SearchPagination(CursorPagination):
    """Forward-only pages keyed by the last row's (rank, type, id): `previous` is always null.
    The cursor is that key as base64 JSON, signed by nobody; one that is not a key is a 400."""

    def key(self, request) -> SearchKey | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            rank, kind, row_id = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            valid = (
                type(rank) in (int, float)
                and math.isfinite(rank)  # OverflowError for a huge int
                and kind in TYPES
                and type(row_id) is int
                and 1 <= row_id <= MAX_ID
            )
        except (ValueError, TypeError, OverflowError):  # not ASCII, base64, JSON, three items
            valid = False
        if not valid:
            raise InvalidInput({"cursor": [INVALID_CURSOR]})
        return SearchKey(rank=float(rank), type=kind, id=row_id)

    def page_response(self, request, page: SearchPage, results: list) -> Response:
        next_url = None
        if page.next_key is not None:
            key = page.next_key
            cursor = base64.urlsafe_b64encode(json.dumps([key.rank, key.type, key.id]).encode())
            next_url = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, cursor.decode("ascii")
            )
        return Response({"next": next_url, "previous": None, "results": results})


@extend_schema_view(list=extend_schema(parameters=[SearchQuerySerializer]))
class SearchViewSet(viewsets.GenericViewSet):
    """Posts and comments you may read that match `q`, best match first, each with a
    highlighted snippet. Hidden and deleted content is found by nobody."""

    queryset = Post.objects.none()  # the search selector reads; this only serves the schema
    serializer_class = SearchResultSerializer
    pagination_class = SearchPagination

    def list(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = search(
            viewer=request.user,
            q=params["q"],
            group_id=params.get("group"),
            tag=params.get("tag"),
            type=params.get("type"),
            after=self.paginator.key(request),
            page_size=self.paginator.get_page_size(request),
        )
        results = self.get_serializer(page.results, many=True).data
        return self.paginator.page_response(request, page, results)
