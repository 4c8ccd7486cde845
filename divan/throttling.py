"""Throttle scopes in Redis: anonymous, per user, and a tighter one for writes.

Each scope counts requests in fixed windows as long as its rate's period (a minute for
"600/min"): one INCR per request and scope, in one round trip, under
{REDIS_KEY_PREFIX}:throttle:{scope and caller}:{window number}, which expires with its window.
DRF's own throttles keep every request's timestamp in a cached list, read and written whole on
each request: two round trips and a list as long as the rate. A fixed window lets a caller
spend up to twice its rate across a window boundary; for abuse control that is the usual trade.
While Redis cannot be reached, requests are let through (and a warning logged): throttling is
abuse control, not a reason to refuse everyone.
"""

import functools
import ipaddress
import logging

import redis
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

from divan.redis import get_redis, redis_key

logger = logging.getLogger(__name__)

# Counts a request in its window, and gives the window its expiry when it opens.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


@functools.cache
def _hit_script(client):
    return client.register_script(_HIT)


class WindowThrottleMixin:
    """A fixed-window counter in Redis, with the rates read from settings on each request (so
    that changed settings take effect)."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the name DRF's SimpleRateThrottle looks up
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        """DRF's caller address (REMOTE_ADDR, or X-Forwarded-For's NUM_PROXIES-th from the
        right); an IPv6 caller by its /64, which one subscriber holds whole, so that walking
        through its addresses makes no new caller."""
        ident = super().get_ident(request)
        try:
            address = ipaddress.ip_address(ident)
        except ValueError:
            return ident
        if address.version == 6 and not address.ipv4_mapped:
            return str(ipaddress.IPv6Network((address, 64), strict=False))
        return ident

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        try:
            count = _hit_script(get_redis())(
                keys=[redis_key("throttle", key, window)], args=[self.duration + 1]
            )
        except redis.RedisError as error:
            # Open, not shut: with Redis down (or read-only after a failover, or out of memory)
            # the API keeps answering, unthrottled meanwhile.
            logger.warning("throttle %s not counted, Redis refused: %s", self.scope, error)
            return True
        self.seconds_left = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self):
        return self.seconds_left


class AnonThrottle(WindowThrottleMixin, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous callers have their own scope
        return super().get_cache_key(request, view)


class WriteThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Counts unsafe requests only, per user (or per address when anonymous)."""

    scope = "writes"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class FeedRebuildThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Rebuilding one's feed, per user (POST feed/rebuild/): `feed_rebuild` rate."""

    scope = "feed_rebuild"


class ExportThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Asking for an export of one's data (POST /api/auth/export/), per user: `export` rate.
    Each one reads everything the person has and copies their files."""

    scope = "export"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class AccountDeleteThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Deleting one's account (POST /api/auth/delete/), per user: `account_delete` rate. It
    checks a password (and a code), so it is no free guessing for a stolen session."""

    scope = "account_delete"
