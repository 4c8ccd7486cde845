"""The raw views: the least work that answers like Divan's endpoints, through the same middleware
in the same processes. What they serve is the ceiling Divan's figures are measured against.

No authentication, permissions or throttles: a limit, not an endpoint. Beside them the
authenticated floor (`AuthenticatedFloorView`): what every authenticated API request pays before
its page adds anything."""

import os
import time

from django.db import connection
from django.http import HttpResponse, JsonResponse
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.models import Post
from divan.redis import get_redis, redis_key

PAGE_SIZE = 20
DRAIN_PROBE_SECONDS = 0.05
# The post ids the raw feed pages through: a sorted set the bench fills (bench.http).
RAW_FEED_KEY_PARTS = ("bench", "raw-feed")
_POST_COLUMNS = (
    "id",
    "group_id",
    "author_id",
    "title",
    "body",
    "pinned",
    "locked",
    "hidden_at",
    "edited_at",
    "created_at",
    "reactions_count",
    "reaction_counts",
    "comments_count",
)
_SELECT_POSTS = "SELECT {columns} FROM {table} WHERE id = ANY(%s) ORDER BY id DESC".format(
    columns=", ".join(_POST_COLUMNS), table=connection.ops.quote_name(Post._meta.db_table)
)
_CONSTANT_GROUPS = [
    {
        "id": n,
        "name": f"Group {n}",
        "slug": f"group-{n}",
        "visibility": "public",
        "member_count": 10 * n,
        "my_role": None,
    }
    for n in range(1, PAGE_SIZE + 1)
]


def _raw_feed_page() -> list[dict]:
    ids = [int(member) for member in get_redis().zrevrange(redis_key(*RAW_FEED_KEY_PARTS), 0, 19)]
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_POSTS, [ids])
        return [dict(zip(_POST_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def raw_feed(request):
    """One ZREVRANGE for a page of post ids, one SELECT of those posts' columns: the minimal
    feed, the limit for the post list and the comment thread."""
    return JsonResponse({"results": _raw_feed_page()})


class RawConstantView(APIView):
    """A constant page of small dicts through DRF's Response and JSONRenderer: the limit for
    the groups list and the tags."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    renderer_classes = [JSONRenderer]

    def get(self, request):
        return Response({"next": None, "previous": None, "results": _CONSTANT_GROUPS})


class AuthenticatedFloorView(APIView):
    """The raw feed's page, read once per process and then constant, through Divan's own
    authentication, throttles and renderers (the API's defaults) and its middleware: what every
    authenticated request pays, the floor under every API figure. Refuses anonymous callers, so
    that a measurement without a valid token fails instead of measuring less."""

    permission_classes = [IsAuthenticated]
    page: dict | None = None

    def get(self, request):
        if AuthenticatedFloorView.page is None:
            page = {"next": None, "previous": None, "results": _raw_feed_page()}
            AuthenticatedFloorView.page = page
        return Response(AuthenticatedFloorView.page)


def raw_plain(request):
    """A tiny plain response: the limit for /healthz."""
    return HttpResponse(b"ok", content_type="text/plain")


def worker_pid(request):
    """Which worker answered, after a pause long enough that one worker cannot answer two such
    requests sent at once while another is idle: the bench's check that the server is drained
    (bench.server.Gunicorn.drain). Not measured."""
    time.sleep(DRAIN_PROBE_SECONDS)
    return HttpResponse(str(os.getpid()).encode(), content_type="text/plain")
