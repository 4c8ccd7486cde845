"""Cursor pagination for every list: 20 items by default, `?page_size=` up to a cap."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.PAGE_SIZE_MAX
    # Ids only grow, so they give a stable, unique order for every list.
    ordering = "-id"

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        """A cursor is signed by nobody: one whose position does not fit the ordering column
        (a word where an id belongs) is an invalid cursor, not a server error."""
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, ValidationError, DataError):
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise NotFound(self.invalid_cursor_message) from None

    def paginate_page(self, page: "CursorPage", request) -> list:
        """Take a page cut without the request (`cursor_page`) as this request's: its items,
        and the state its next and previous links are drawn from, as paginate_queryset sets."""
        self.request, self.base_url = request, request.build_absolute_uri()
        self.page_size, self.ordering, self.cursor = page.page_size, page.ordering, page.cursor
        self.page, self.has_next, self.has_previous = page.items, page.has_next, page.has_previous
        self.next_position, self.previous_position = page.next_position, page.previous_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page


@dataclass(frozen=True)
class CursorPage:
    """A page of a list as CursorPagination cuts it: its items, and where the pages beside it
    start (the positions its links encode)."""

    items: list
    cursor: Cursor | None
    ordering: tuple[str, ...]
    page_size: int
    has_next: bool
    has_previous: bool
    next_position: str | None = None
    previous_position: str | None = None


def cursor_page(queryset: QuerySet, *, ordering: tuple[str, ...], cursor: Cursor | None,
                page_size: int) -> CursorPage:  # fmt: skip
    """The page of `queryset` at `cursor`, cut as DRF's CursorPagination.paginate_queryset cuts
    it (the same query, the same positions, so the same links), for code that holds no request.
    A position that does not fit the ordering column is an invalid cursor (NotFound)."""
    offset, reverse, position = cursor if cursor is not None else (0, False, None)
    first = ordering[0]
    if reverse:
        queryset = queryset.order_by(*pagination._reverse_ordering(ordering))
    else:
        queryset = queryset.order_by(*ordering)
    try:
        if position is not None:
            # (cursor reversed) XOR (ordering descending): the rows below the position
            below = reverse != first.startswith("-")
            side = "lt" if below else "gt"
            queryset = queryset.filter(**{f"{first.lstrip('-')}__{side}": position})
        # one row past the page says whether another follows
        rows = list(queryset[offset : offset + page_size + 1])
    except (ValueError, ValidationError, DataError):
        if cursor is None:
            raise
        raise NotFound(CursorPagination.invalid_cursor_message) from None
    items = rows[:page_size]
    following = None
    if len(rows) > len(items):
        following = CursorPagination()._get_position_from_instance(rows[-1], ordering)
    after_start = position is not None or offset > 0
    if reverse:
        return CursorPage(
            items=items[::-1], cursor=cursor, ordering=ordering, page_size=page_size,
            has_next=after_start, has_previous=following is not None,
            next_position=position if after_start else None, previous_position=following,
        )  # fmt: skip
    return CursorPage(
        items=items, cursor=cursor, ordering=ordering, page_size=page_size,
        has_next=following is not None, has_previous=after_start,
        next_position=following, previous_position=position if after_start else None,
    )  # fmt: skip
