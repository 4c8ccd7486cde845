"""Cursor pagination for every list: 20 items by default, `?page_size=` up to a cap."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError
from rest_framework import pagination
from rest_framework.exceptions import NotFound


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
