"""Cursor pagination for every list: 20 items by default, `?page_size=` up to a cap."""

from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.PAGE_SIZE_MAX
    # Ids only grow, so they give a stable, unique order for every list.
    ordering = "-id"
