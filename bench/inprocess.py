"""`make bench-inprocess`: the hot endpoints timed in process, through Django's test client.

Each scenario seeds what it needs, then times requests through Django's full stack (middleware,
DRF, serializers, PostgreSQL and Redis) and prints p50/p95 latency and SQL queries per request.
Its database is flushed first: BENCH_INPROCESS_DATABASE_URL, by default BENCH_DATABASE_URL's
database with `_inprocess` after its name, never the HTTP bench's.
"""

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.http_bench import DEFAULT_DATABASE_URL


def _database_url() -> str:
    explicit = os.environ.get("BENCH_INPROCESS_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    address, _, query = base.partition("?")
    return f"{address}_inprocess" + (f"?{query}" if query else "")


def _configure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DATABASE_URL"] = _database_url()
    os.environ.setdefault("REDIS_KEY_PREFIX", "divan-bench")
    os.environ.setdefault("THROTTLE_ANON_RATE", "1000000/min")
    os.environ.setdefault("THROTTLE_USER_RATE", "1000000/min")
    os.environ.setdefault("THROTTLE_WRITES_RATE", "1000000/min")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "ERROR")


def measure(label: str, call, *, repeat: int = 50) -> None:
    """Time `call` `repeat` times after a warm-up; print p50/p95 and queries per call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    timings = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"  {label:<52} p50 {statistics.median(timings):7.2f} ms   p95 {p95:7.2f} ms   "
        f"{len(queries) / repeat:5.1f} queries"
    )


def concurrently(label: str, calls: list, *, workers: int = 16) -> None:
    """Run the calls from a pool of `workers` threads; print wall time and throughput."""
    from django.db import connection

    def run(call):
        try:
            return call()
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, calls))
    elapsed = time.perf_counter() - started
    print(f"  {label:<52} {len(calls)} in {elapsed * 1000:8.1f} ms   {len(calls) / elapsed:8.1f}/s")


def main() -> int:
    _configure()
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from bench import scenarios

    call_command("ensure_db", verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(
        f"Divan benchmarks on {connection.settings_dict['NAME']} (Python {sys.version.split()[0]})"
    )
    for scenario in scenarios.ALL:
        print(f"\n{scenario.__doc__.strip()}")
        scenario(measure=measure, concurrently=concurrently, client_class=APIClient)
    return 0
