"""Benchmarks against a scratch database (BENCH_DATABASE_URL, default divan_bench), in process.

Each scenario seeds what it needs, then times requests through Django's full stack (middleware,
DRF, serializers, PostgreSQL and Redis) and prints p50/p95 latency and SQL queries per request.
"""

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/divan_bench"
)
os.environ.setdefault("REDIS_KEY_PREFIX", "divan-bench")
os.environ.setdefault("THROTTLE_ANON_RATE", "1000000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "1000000/min")
os.environ.setdefault("THROTTLE_WRITES_RATE", "1000000/min")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench import scenarios  # noqa: E402


def measure(label: str, call, *, repeat: int = 50) -> None:
    """Time `call` `repeat` times after a warm-up; print p50/p95 and queries per call."""
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


if __name__ == "__main__":
    raise SystemExit(main())
