"""Throttles in Redis: the API's scopes (anonymous, per user, a tighter one for writes) in fixed
windows, and the attempt counters that guard sign-in and sign-up (accounts.throttles).

Each scope counts requests in fixed windows as long as its rate's period (a minute for
"600/min"): one INCR per request and scope, in one round trip, under
{REDIS_KEY_PREFIX}:throttle:{scope and caller}:{window number}, which expires with its window.
For a known API token those INCRs ride in the authentication's own round trip
(divan.authentication, `user_window`), which leaves the counts on the request.
DRF's own throttles keep every request's timestamp in a cached list, read and written whole on
each request: two round trips and a list as long as the rate. A fixed window lets a caller
spend up to twice its rate across a window boundary; for abuse control that is the usual trade.
While Redis cannot be reached, requests are let through (and a warning logged): throttling is
abuse control, not a reason to refuse everyone.

Attempt counters (`attempt_admit`) keep each attempt's time instead, in a sorted set under
{REDIS_KEY_PREFIX}:throttle:{counter}, trimmed to the counter's period: a rate of "25/5min"
refuses the 26th attempt in any five minutes, never 50 across a window boundary. Their limits
are a few dozen at most, so a set holds a few dozen members; an attempt admitted is counted in
every counter it is limited by, or, when one of them is full, in none. One can be taken back
(`attempt_forget`): the sign-in counters per username count failed attempts only.
Rates are "{count}/{period}", the period a unit (s, min, hour, day: DRF's) or a number of them
("25/5min", "5/30min"), the count at least 1; an empty rate is no limit.
"""

import functools
import ipaddress
import logging
import re
from dataclasses import dataclass

import redis
from django.core.exceptions import ImproperlyConfigured
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


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")
_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """(count, seconds) from "25/5min", "120/min" or "5/hour"; None for no limit (empty)."""
    if rate is None or not rate.strip():
        return None
    match = _RATE.match(rate.lower())
    if match is None or match[3] not in _UNIT_SECONDS or int(match[1]) < 1 or match[2] == "0":
        raise ImproperlyConfigured(
            f"Throttle rate {rate!r}: expected count/period, such as 25/5min, 60/min or 5/hour"
        )
    return int(match[1]), int(match[2] or 1) * _UNIT_SECONDS[match[3]]


def client_address(request) -> str | None:
    """The caller's address as DRF's throttles take it: REMOTE_ADDR, or behind DJANGO_NUM_PROXIES
    proxies the X-Forwarded-For entry that many from the right (the one the nearest proxy saw)."""
    return throttling.BaseThrottle().get_ident(request)


def caller_ident(request) -> str | None:
    """The caller a throttle counts: its address, or an IPv6 caller's /64, which one subscriber
    holds whole, so that walking through its addresses makes no new caller."""
    ident = client_address(request)
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6 and not address.ipv4_mapped:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return ident


USER_MARK = "{user}"  # the user's id in a window's key named before the user is known


def counted_ahead(request, counts: dict[str, int]) -> None:
    """Counts of this request's windows (by their Redis key), made ahead by the authentication
    in its own round trip (divan.authentication): the throttles take them instead of counting."""
    request._throttle_counts = counts


def _count_ahead(request, key: str) -> int | None:
    return getattr(request, "_throttle_counts", {}).pop(key, None)


class WindowThrottleMixin:
    """A fixed-window counter in Redis, with the rates read from settings on each request (so
    that changed settings take effect)."""

    counts_users = True  # counts signed-in callers by their user id (DRF's UserRateThrottle)
    counts_reads = True  # False: only unsafe methods count

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the name DRF's SimpleRateThrottle looks up
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request):
        return caller_ident(request)

    def parse_rate(self, rate):
        return parse_rate(rate) or (None, None)

    def _counts(self, request) -> bool:
        return self.num_requests is not None and (
            self.counts_reads or request.method not in SAFE_METHODS
        )

    def allow_request(self, request, view):
        if not self._counts(request):  # no rate (or an empty one), or a read it lets by
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        window_key = redis_key("throttle", key, window)
        count = _count_ahead(request, window_key)
        if count is None:
            try:
                count = _hit_script(get_redis())(keys=[window_key], args=[self.duration + 1])
            except redis.RedisError as error:
                # Open, not shut: with Redis down (or read-only after a failover, or out of
                # memory) the API keeps answering, unthrottled meanwhile.
                logger.warning("throttle %s not counted, Redis refused: %s", self.scope, error)
                return True
        self.seconds_left = (window + 1) * self.duration - now
        return count <= self.num_requests

    def user_window(self, request, now: float) -> tuple[str, int] | None:
        """The window this request counts in when its caller turns out to be a user: its Redis
        key with "{user}" for the user's id, and its expiry; None when it would not count."""
        if not (self.counts_users and self._counts(request)):
            return None
        ident = self.cache_format % {"scope": self.scope, "ident": USER_MARK}
        return redis_key("throttle", ident, int(now // self.duration)), self.duration + 1

    def wait(self):
        return self.seconds_left


class AnonThrottle(WindowThrottleMixin, throttling.AnonRateThrottle):
    scope = "anon"
    counts_users = False


class UserThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous callers have their own scope
        return super().get_cache_key(request, view)


class WriteThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Counts unsafe requests only, per user (or per address when anonymous)."""

    scope = "writes"
    counts_reads = False


class FeedRebuildThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Rebuilding one's feed, per user (POST feed/rebuild/): `feed_rebuild` rate."""

    scope = "feed_rebuild"


# Counts an attempt in every counter (KEYS; ARGV: now and the attempt's id in milliseconds and
# text, then each counter's limit and period in milliseconds), or in none: then answers the index
# of the first full counter and the milliseconds until it frees a place.
_ADMIT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit, period = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    return {i, tonumber(freeing[2]) + period - now}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, ARGV[2 * i + 2])
end
return {0, 0}
"""


@functools.cache
def _admit_script(client):
    return client.register_script(_ADMIT)


@dataclass(frozen=True)
class Counter:
    """One attempt counter: `name` (its Redis key, under the prefix) holds at most `limit`
    attempts in any `seconds`."""

    name: str
    limit: int
    seconds: int


def attempt_admit(counters: list[Counter], *, attempt: str, now: float) -> float | None:
    """Counts attempt `attempt` (an id unique to it) in every counter, and answers None; or,
    when one is full, counts it nowhere and answers the seconds until that one frees a place."""
    if not counters:
        return None
    args: list[object] = [int(now * 1000), attempt]
    for counter in counters:
        args += [counter.limit, counter.seconds * 1000]
    try:
        full, wait_ms = _admit_script(get_redis())(
            keys=[redis_key("throttle", counter.name) for counter in counters], args=args
        )
    except redis.RedisError as error:  # open, not shut, as the API's throttles
        logger.warning("attempt not counted, Redis refused: %s", error)
        return None
    return None if full == 0 else max(wait_ms, 0) / 1000


def attempt_forget(counters: list[Counter], *, attempt: str) -> None:
    """Takes an admitted attempt back out of these counters."""
    if not counters:
        return
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for counter in counters:
                pipe.zrem(redis_key("throttle", counter.name), attempt)
            pipe.execute()
    except redis.RedisError as error:
        logger.warning("attempt not taken back, Redis refused: %s", error)


class ExportThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Asking for an export of one's data (POST /api/auth/export/), per user: `export` rate.
    Each one reads everything the person has and copies their files."""

    scope = "export"
    counts_reads = False


class AccountDeleteThrottle(WindowThrottleMixin, throttling.UserRateThrottle):
    """Deleting one's account (POST /api/auth/delete/), per user: `account_delete` rate. It
    checks a password (and a code), so it is no free guessing for a stolen session."""

    scope = "account_delete"
    counts_reads = False
