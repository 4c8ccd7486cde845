"""Throttle scopes backed by the Redis cache: anonymous, per user, and a tighter one for writes."""

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings


class LiveRatesMixin:
    """Read the rates from settings on each request, so that changed settings take effect."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the name DRF's SimpleRateThrottle looks up
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonThrottle(LiveRatesMixin, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(LiveRatesMixin, throttling.UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous callers have their own scope
        return super().get_cache_key(request, view)


class WriteThrottle(LiveRatesMixin, throttling.UserRateThrottle):
    """Counts unsafe requests only, per user (or per address when anonymous)."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
