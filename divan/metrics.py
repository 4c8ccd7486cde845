"""/metrics: who may read it, and the figures Divan's collectors read for it, held a few seconds.

Access, the way Prometheus deployments do it: with METRICS_TOKEN set, a request must carry
`Authorization: Bearer <METRICS_TOKEN>` (Prometheus's `authorization: {credentials_file: ...}`),
compared in constant time; without it, only a direct caller on this machine may read it (a
loopback REMOTE_ADDR and no proxy header), so `make run`'s http://127.0.0.1:8000/metrics works
and nothing is public by default. Production settings turn that off
(METRICS_LOOPBACK_WITHOUT_TOKEN): a proxy on the same host may add no header, and then every
request would look local. A refusal is answered before any collector runs.

Answers: 401 with `WWW-Authenticate: Bearer` when a token is configured and the request lacks it
or sends another (RFC 6750: sending the right one would succeed); 403 when no token is configured
and the caller is not local, since no credentials could be accepted (401 would invite a retry).

The collectors (divan.events.metrics, feeds.metrics, communities.metrics) read PostgreSQL and
Redis. Each is a CachedCollector: what it read is kept for METRICS_CACHE_SECONDS in this process,
so a burst of scrapes (two Prometheus servers, retries, a person's curl) reads them once."""

import hashlib
import ipaddress
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from time import monotonic

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import REGISTRY, Collector

from divan.redis import get_redis

logger = logging.getLogger(__name__)

# A request carrying one of these came through a proxy, whatever its REMOTE_ADDR says.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _same(given: str, expected: str) -> bool:
    """Constant time whatever the lengths: compare the digests, not the strings."""
    return secrets.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def _direct_loopback(request: HttpRequest) -> bool:
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def _unauthorized(detail: str, *, invalid: bool) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=401)
    challenge = 'Bearer realm="metrics"'
    response["WWW-Authenticate"] = challenge + (', error="invalid_token"' if invalid else "")
    return response


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a caller who may not read /metrics; None for one who may."""
    token = settings.METRICS_TOKEN
    if token:
        given = _bearer_token(request)
        if given is None:
            return _unauthorized("Authentication credentials were not provided.", invalid=False)
        if not _same(given, token):
            return _unauthorized("Invalid token.", invalid=True)
        return None
    if not settings.METRICS_LOOPBACK_WITHOUT_TOKEN:
        return JsonResponse({"detail": "Metrics need METRICS_TOKEN, which is not set."}, status=403)
    if _direct_loopback(request):
        return None
    return JsonResponse(
        {"detail": "Metrics are served to this machine only; set METRICS_TOKEN to scrape them."},
        status=403,
    )


@require_safe
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """django-prometheus' exposition, behind metrics_refusal."""
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    return ExportToDjangoView(request)


_lock = threading.Lock()
_held: dict[str, tuple[float, list[Metric]]] = {}  # collector name: (read at, its families)


def _read_or_held(name: str, read: Callable[[], Iterable[Metric]]) -> list[Metric]:
    """One lock for all: a scrape that arrives while another reads waits, then finds it held."""
    with _lock:
        now = monotonic()
        held = _held.get(name)
        if held is None or now - held[0] >= settings.METRICS_CACHE_SECONDS:
            held = _held[name] = (now, list(read()))
        return held[1]


def metrics_forget() -> None:
    """Drop what every collector holds: the next scrape reads afresh."""
    with _lock:
        _held.clear()


_registered: set[str] = set()


def register_once(collector: type[Collector]) -> None:
    """Register a collector of Divan's figures once per process, however often the app that
    owns it starts (each app's ready() calls its module's register())."""
    if collector.__name__ not in _registered:
        REGISTRY.register(collector())
        _registered.add(collector.__name__)


class CachedCollector(Collector):
    """A collector whose figures are read at most once per METRICS_CACHE_SECONDS in a process.
    Subclasses implement read()."""

    def describe(self):
        """Nothing up front: without describe(), registering would run collect() (and query
        the database while Django starts)."""
        return []

    def read(self) -> Iterable[Metric]:
        raise NotImplementedError

    def collect(self):
        return _read_or_held(type(self).__name__, self.read)


class SharedCounters:
    """Counters every process adds to, in one Redis hash (`key()`), read at scrape time: the
    same figures from every web process. What a process counts while Redis does not answer,
    or asks to count later (`later`, from a path that makes no round trip of its own), is held
    in the process and carried by its next `add`; never an error for the caller."""

    def __init__(self, key: Callable[[], str]):
        self._key = key
        self._held: Counter = Counter()
        self._lock = threading.Lock()

    def later(self, field: str, amount: float = 1) -> None:
        with self._lock:
            self._held[field] += amount

    def clear_held(self) -> None:
        """Forget the counts held (between tests)."""
        with self._lock:
            self._held.clear()

    def queue(self, pipe, **fields: float) -> Counter:
        """Add the counters, with those held, to a pipeline the caller executes (a round trip
        it makes anyway); the held ones it took, for `keep` when that pipeline fails."""
        with self._lock:
            held = Counter(self._held)
            self._held.clear()
        for field, amount in (held + Counter(fields)).items():
            if isinstance(amount, float):
                pipe.hincrbyfloat(self._key(), field, amount)
            else:
                pipe.hincrby(self._key(), field, amount)
        return held

    def keep(self, counts: Counter) -> None:
        """Hold counts again, for the next round trip (their pipeline failed)."""
        with self._lock:
            self._held.update(counts)

    def add(self, client: redis.Redis | None = None, **fields: float) -> None:
        """Add to the counters, with those held, in one round trip (none when there is
        nothing to add)."""
        pipe = (client or get_redis()).pipeline(transaction=False)
        held = self.queue(pipe, **fields)
        if not len(pipe):
            return
        try:
            pipe.execute()
        except redis.RedisError as error:
            logger.warning("metrics: counters held (%s)", error)
            self.keep(held + Counter(fields))

    def read(self, client: redis.Redis | None = None) -> dict[str, float]:
        """Every counter, this process's held ones sent first."""
        client = client or get_redis()
        self.add(client)
        return {field: float(value) for field, value in client.hgetall(self._key()).items()}
