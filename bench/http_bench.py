"""`make bench`: Divan over real HTTP, beside this machine's raw limits, in one run.

Divan runs under gunicorn (2 sync workers, production settings) on a copy of a seeded scratch
database (bench.database, bench.seed). wrk loads each path with rotating member tokens; the
same server also serves the raw views (bench.views), whose figures are the ceiling for Divan's
reads, and the authenticated floor (the raw feed's page through Divan's authentication,
throttles and renderer), which splits each figure into what every request pays and what its
page adds; pgbench runs the SQL that the write services run (bench.pgbench_models), the ceiling for
Divan's writes. Every path is measured once per round, for BENCH_ROUNDS rounds, each round on a
fresh copy of the seed; the table shows medians, the ratio of Divan to its limit (the median of
the rounds' ratios) and the issue's target. After each round's writes every counter is checked
against a fresh count.

Knobs: BENCH_DATABASE_URL, BENCH_SECONDS (per measurement, default 8), BENCH_ROUNDS (default 3),
BENCH_RESEED=1 (seed again), BENCH_ONLY (job keys, comma-separated: a focused run of those
jobs and the comparisons among them, e.g. "floor,raw-constant,posts,raw-feed"),
BENCH_REDIS_PREFIX (default divan-bench: two runs at once each need their own, and their own
BENCH_DATABASE_URL).
"""

import dataclasses
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import BenchError
from bench.parsing import (
    ParseError,
    median,
    parse_pgbench,
    parse_wrk,
    percentile,
    pgbench_log_latencies_ms,
)

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = ROOT / "bench" / "wrk"
API = "/api/communities/v1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/divan_bench"
REDIS_PREFIX = "divan-bench"
THREADS, CONNECTIONS = 2, 16
THROTTLE_RATE = "1000000/min"  # never reached; the throttles still run, as in production
WARM_UP_SECONDS = 2


@dataclass(frozen=True)
class Knobs:
    database_url: str
    seconds: int
    rounds: int
    reseed: bool
    only: frozenset[str]
    redis_prefix: str

    @classmethod
    def from_environment(cls) -> "Knobs":
        try:
            seconds = int(os.environ.get("BENCH_SECONDS", "8"))
            rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
        except ValueError as error:
            raise BenchError(f"BENCH_SECONDS and BENCH_ROUNDS are whole numbers: {error}") from None
        if seconds < 1 or rounds < 1:
            raise BenchError("BENCH_SECONDS and BENCH_ROUNDS must be at least 1")
        return cls(
            database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
            seconds=seconds,
            rounds=rounds,
            reseed=os.environ.get("BENCH_RESEED", "") not in ("", "0", "false"),
            only=frozenset(filter(None, os.environ.get("BENCH_ONLY", "").split(","))),
            redis_prefix=os.environ.get("BENCH_REDIS_PREFIX", REDIS_PREFIX),
        )


def configure_environment(knobs: Knobs) -> dict[str, str]:
    """The environment of this process and of gunicorn: production settings, plus the raw views."""
    overrides = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": knobs.database_url,
        "REDIS_KEY_PREFIX": knobs.redis_prefix,
        "THROTTLE_ANON_RATE": THROTTLE_RATE,
        "THROTTLE_USER_RATE": THROTTLE_RATE,
        "THROTTLE_WRITES_RATE": THROTTLE_RATE,
    }
    os.environ.update(overrides)
    return overrides


@dataclass(frozen=True)
class Job:
    """One measurement: a path under wrk, or a pgbench model."""

    key: str
    label: str
    tool: str  # "wrk" or "pgbench"
    script: Path
    path: str = ""  # wrk: the URL's path and query
    args: tuple[str, ...] = ()  # wrk: the script's arguments; "{round}" is the round's index
    defines: dict[str, str] = field(default_factory=dict)  # pgbench: -D name=value
    reads: bool = True


@dataclass(frozen=True)
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: int = 0


@dataclass(frozen=True)
class Comparison:
    """A Divan path beside its limit, with the issue's target for the ratio."""

    divan: str
    limit: str
    target: float | None
    target_p99_ms: float | None = None


# Every figure beside the authenticated floor too: what every request pays, and what its own
# work adds on top (the floor's own row and /healthz, which is not an API request, excepted).
FLOOR = "floor"

COMPARISONS = [
    Comparison("floor", "raw-constant", 0.60),
    Comparison("posts", "raw-feed", 0.40, 50.0),
    Comparison("comments", "raw-feed", 0.40, 50.0),
    Comparison("groups", "raw-constant", 0.40),
    Comparison("tags", "raw-constant", 0.40),
    Comparison("unread", FLOOR, 0.60),  # the most-polled endpoint
    Comparison("healthz", "raw-plain", None),
    Comparison("reactions", "pgbench-reactions", 0.40),
    Comparison("post-create", "pgbench-post-create", 0.40),
]


def _run(command: list[str], *, timeout: float, env=None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{command[0]} did not finish within {timeout:.0f} s") from None


def run_wrk(job: Job, *, port: int, seconds: int, round_index: int) -> Measurement:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(job.script),
        f"http://127.0.0.1:{port}{job.path}",
        "--",
        *(arg.format(round=round_index) for arg in job.args),
    ]
    done = _run(command, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {job.label}:\n{done.stdout}{done.stderr}")
    try:
        result = parse_wrk(done.stdout)
    except ParseError as error:
        raise BenchError(f"{job.label}: {error}\n{done.stderr}") from None
    return Measurement(
        result.requests_per_second,
        result.p50_ms,
        result.p99_ms,
        result.non_2xx,
        result.socket_errors,
    )


def run_pgbench(
    job: Job, *, seconds: int, round_index: int, log_dir: Path, database: dict
) -> Measurement:
    prefix = log_dir / f"{job.key}-{round_index}"
    command = [
        "pgbench",
        "-n",
        f"-c{CONNECTIONS}",
        f"-j{THREADS}",
        f"-T{seconds}",
        "-f",
        str(job.script),
        *(f"-D{name}={value}" for name, value in job.defines.items()),
        "-l",
        f"--log-prefix={prefix}",
        "-h",
        database.get("HOST") or "127.0.0.1",
        "-p",
        str(database.get("PORT") or 5432),
        "-U",
        database.get("USER") or "postgres",
        database["NAME"],
    ]
    env = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}
    done = _run(command, timeout=seconds + 60, env=env)
    if done.returncode != 0:
        raise BenchError(f"pgbench failed on {job.label}:\n{done.stdout}{done.stderr}")
    try:
        result = parse_pgbench(done.stdout)
    except ParseError as error:
        raise BenchError(f"{job.label}: {error}\n{done.stderr}") from None
    if result.failed:
        raise BenchError(f"{job.label}: {result.failed} failed transactions:\n{done.stderr}")
    latencies = []
    for log in sorted(log_dir.glob(f"{prefix.name}.*")):
        latencies += pgbench_log_latencies_ms(log.read_text().splitlines())
    if not latencies:
        raise BenchError(f"{job.label}: pgbench logged no transaction")
    return Measurement(result.tps, percentile(latencies, 0.50), percentile(latencies, 0.99))


def _machine() -> list[str]:
    from django.db import connection

    from divan.redis import get_redis

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk = _run(["wrk", "-v"], timeout=10)
    wrk_version = (wrk.stdout or wrk.stderr).splitlines()[0].split(" [")[0]
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return [
        f"machine: nproc {len(os.sched_getaffinity(0))}, {memory_gib:.0f} GiB RAM,"
        f" {platform.system()} {platform.release()}, load average now {load}"
        " (the bench shares the machine with whatever else runs)",
        f"software: Python {platform.python_version()}, PostgreSQL {postgres},"
        f" Redis {get_redis().info('server')['redis_version']}, {wrk_version},"
        f" gunicorn {importlib.metadata.version('gunicorn')},"
        f" Django {importlib.metadata.version('django')}",
    ]


def _settings_lines(knobs: Knobs, database: dict) -> list[str]:
    from django.conf import settings

    return [
        f"settings: {os.environ['DJANGO_SETTINGS_MODULE']} (config.settings.prod + raw views),"
        f" DEBUG {settings.DEBUG}, CONN_MAX_AGE {database.get('CONN_MAX_AGE')},"
        f" REDIS_KEY_PREFIX {settings.REDIS_KEY_PREFIX}, THROTTLE_*_RATE {THROTTLE_RATE}",
        f"database: {database['NAME']} on {database.get('HOST')}:{database.get('PORT') or 5432}"
        f" (a copy of {database['NAME']}_seed)",
        f"load: gunicorn config.wsgi -w 2 -k sync; wrk -t{THREADS} -c{CONNECTIONS}"
        f" -d{knobs.seconds}s --latency; pgbench -n -c{CONNECTIONS} -j{THREADS}"
        f" -T{knobs.seconds}; {knobs.rounds} rounds; medians, and ratios as the median of each"
        " round's Divan / limit",
    ]


def _jobs(*, seed, tokens_file: Path, readers_file: Path, models) -> list[Job]:
    from django.conf import settings

    from bench.seed import TAG_NAMES

    get, reactions, post_create = (
        WRK_DIR / name for name in ("get.lua", "reactions.lua", "post_create.lua")
    )
    members = (str(tokens_file), str(THREADS))
    hot = f"{API}/posts/{seed.hot_post_id}/reactions/"
    return [
        Job("posts", "GET groups/{id}/posts/?page_size=20", "wrk", get,
            f"{API}/groups/{seed.group_id}/posts/?page_size=20", members),
        Job("raw-feed", "raw-feed", "wrk", get, "/bench/raw-feed/"),
        Job(FLOOR, "floor (auth, throttles, renderer)", "wrk", get, "/bench/floor/", members),
        Job("comments", "GET posts/{id}/comments/?page_size=20", "wrk", get,
            f"{API}/posts/{seed.thread_post_id}/comments/?page_size=20", members),
        Job("groups", "GET groups/", "wrk", get, f"{API}/groups/",
            (str(readers_file), str(THREADS))),
        Job("raw-constant", "raw-constant", "wrk", get, "/bench/raw-constant/"),
        Job("tags", "GET tags/", "wrk", get, f"{API}/tags/", members),
        Job("unread", "GET notifications/unread/ (100+ unread)", "wrk", get,
            f"{API}/notifications/unread/", members),
        Job("healthz", "GET /healthz", "wrk", get, "/healthz"),
        Job("raw-plain", "raw-plain", "wrk", get, "/bench/raw-plain/"),
        Job("reactions", "POST+DELETE posts/{hot}/reactions/", "wrk", reactions, hot,
            (*members, hot, ",".join(settings.REACTION_KINDS), "{round}"), reads=False),
        Job("pgbench-reactions", "pgbench reactions model", "pgbench", models.reactions,
            defines={**models.defines, "phase": "0", "kind": "{kind}"}, reads=False),
        Job("post-create", "POST groups/{id}/posts/", "wrk", post_create,
            f"{API}/groups/{seed.group_id}/posts/",
            (*members, f"{API}/groups/{seed.group_id}/posts/", ",".join(TAG_NAMES)), reads=False),
        Job("pgbench-post-create", "pgbench post create model", "pgbench", models.post_create,
            defines=models.defines, reads=False),
    ]  # fmt: skip


def _sample_requests(job: Job) -> list[tuple[str, str, dict | None]]:
    """(method, path, body) of requests like the ones the job's wrk script sends."""
    if job.key == "reactions":
        return [("POST", job.path, {"kind": "like"}), ("DELETE", f"{job.path}?kind=like", None)]
    if job.key == "post-create":
        return [("POST", job.path, {"title": "Smoke", "body": "A first post.", "tags": ["news"]})]
    return [("GET", job.path, None)]


def _try_requests(job: Job, *, port: int, token: str) -> tuple[int, bytes]:
    """Send the job's sample requests (with a member token where the job sends tokens); the
    first non-2xx answer, or the last answer."""
    from bench.server import request

    for method, path, body in _sample_requests(job):
        status, content = request(port, method, path, token=token if job.args else None, body=body)
        if not 200 <= status < 300:
            return status, content
    return status, content


def _smoke(jobs: list[Job], *, port: int, token: str) -> str:
    """Every wrk job's requests answered 2xx, or the run stops with the answer. Says how many
    results each list page holds."""
    pages = []
    for job in jobs:
        if job.tool != "wrk":
            continue
        status, content = _try_requests(job, port=port, token=token)
        if not 200 <= status < 300:
            raise BenchError(f"{job.label} answered {status}: {content[:500]!r}")
        if job.reads and job.args:
            pages.append(f"{job.key} {len(json.loads(content).get('results', []))}")
    return ", ".join(pages)


def _format_ms(value: float) -> str:
    return f"{value:8.1f}" if value < 1000 else f"{value:8.0f}"


def _comparisons(keys) -> list[Comparison]:
    """The comparisons whose two jobs both ran (all of them, unless BENCH_ONLY chose)."""
    return [c for c in COMPARISONS if c.divan in keys and c.limit in keys]


def _round_ratio(results: dict[str, list[Measurement]], ours: str, theirs: str) -> float:
    """The median of each round's ratio: each round's figure over the same round's other one,
    measured a minute apart; the machine's load drifts less within a round than across rounds."""
    return median(
        [
            mine.requests_per_second / other.requests_per_second
            for mine, other in zip(results[ours], results[theirs], strict=True)
        ]
    )


def print_table(results: dict[str, list[Measurement]], jobs: dict[str, Job]) -> list[str]:
    """The table: medians over the rounds, and the median of the rounds' ratios; returns the
    paths whose target was missed."""
    med = {
        key: Measurement(
            median([m.requests_per_second for m in values]),
            median([m.p50_ms for m in values]),
            median([m.p99_ms for m in values]),
            sum(m.non_2xx for m in values),
            sum(m.socket_errors for m in values),
        )
        for key, values in results.items()
    }
    missed = []
    header = (
        f"{'path':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7} | "
        f"{'limit':<30} {'req/s':>8} {'p99 ms':>8} | {'ratio':>5} | {'floor':>8} {'ratio':>5}"
        "  target"
    )
    print(header)
    print("-" * len(header))
    for comparison in _comparisons(jobs):
        divan, limit = med[comparison.divan], med[comparison.limit]
        ratio = _round_ratio(results, comparison.divan, comparison.limit)
        if comparison.target is None:
            verdict = "(no target)"
        else:
            met = ratio >= comparison.target
            wanted = f">= {comparison.target:.2f}"
            if comparison.target_p99_ms is not None:
                met = met and divan.p99_ms < comparison.target_p99_ms
                wanted += f", p99 < {comparison.target_p99_ms:.0f} ms"
            verdict = f"{wanted}: {'met' if met else 'MISSED'}"
            if not met:
                missed.append(jobs[comparison.divan].label)
        limit_label = jobs[comparison.limit].label
        if jobs[comparison.limit].tool == "pgbench":
            limit_label += " tps"
        floor = ""
        beside_floor = FLOOR not in (comparison.divan, comparison.limit)
        if beside_floor and comparison.divan != "healthz" and FLOOR in results:
            floor_ratio = _round_ratio(results, comparison.divan, FLOOR)
            floor = f"{med[FLOOR].requests_per_second:8.1f} {floor_ratio:5.2f}"
        print(
            f"{jobs[comparison.divan].label:<40} {divan.requests_per_second:8.1f}"
            f" {_format_ms(divan.p50_ms)} {_format_ms(divan.p99_ms)} {divan.non_2xx:7d} | "
            f"{limit_label:<30} {limit.requests_per_second:8.1f} {_format_ms(limit.p99_ms)} | "
            f"{ratio:5.2f} | {floor:>14}  {verdict}"
        )
    if FLOOR in jobs:
        print(
            f"floor: {jobs[FLOOR].label}, the raw feed's page as a constant; a path's ratio to"
            " it is the share of its time that every authenticated request pays"
        )
    errors = {key: m.socket_errors for key, m in med.items() if m.socket_errors}
    if errors:
        print(f"wrk socket errors (connect/read/write/timeout, all rounds): {errors}")
    return missed


def main() -> int:
    """Prepare, measure, check, print; 0 when every figure stands and every counter is exact."""
    started = time.perf_counter()
    # A SIGTERM unwinds like Ctrl-C, through the `finally` blocks that stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    knobs = Knobs.from_environment()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} is not installed (apt-get install {tool})")
    gunicorn_env = {**os.environ, **configure_environment(knobs)}

    import django

    django.setup()

    from django.db import connection

    from bench import database as bench_database
    from divan.redis import get_redis, redis_key

    database = connection.settings_dict
    print(f"Divan over HTTP on {database['NAME']} (BENCH_SECONDS={knobs.seconds},"
          f" BENCH_ROUNDS={knobs.rounds})", flush=True)  # fmt: skip
    seed, seeded_now = bench_database.prepare(reseed=knobs.reseed)
    prepared = time.perf_counter() - started
    if seeded_now:
        print(f"  seeded in {seed.seconds:.0f} s (then VACUUM, ANALYZE, copied); ready in"
              f" {prepared:.0f} s")  # fmt: skip
    else:
        print(f"  seed reused (writing it took {seed.seconds:.0f} s); copied and analyzed in"
              f" {prepared:.1f} s")  # fmt: skip
    for line in [*_machine(), *_settings_lines(knobs, database)]:
        print(line, flush=True)

    run_dir = Path(tempfile.mkdtemp(prefix="divan-bench-"))
    try:
        _reset_redis(seed)
        jobs, member_tokens = _prepare_jobs(seed=seed, run_dir=run_dir)
        if knobs.only:
            jobs = [job for job in jobs if job.key in knobs.only]
        connection.close()  # gunicorn and pgbench own the database from here
        results, mismatches = _measure_rounds(
            jobs, seed=seed, knobs=knobs, env=gunicorn_env, run_dir=run_dir, token=member_tokens[0]
        )
    finally:
        _clear_redis(get_redis(), redis_key(""))
        shutil.rmtree(run_dir, ignore_errors=True)

    print()
    for line in [*_machine(), *_settings_lines(knobs, database)]:
        print(line)
    print()
    missed = print_table(results, {job.key: job for job in jobs})
    print()
    if mismatches:
        print(f"counters exact: NO, {len(mismatches)} mismatches")
        for line in mismatches[:50]:
            print(f"  {line}")
    else:
        print(
            f"counters exact: yes (checked after the writes of each of the {knobs.rounds} rounds)"
        )
    targets = sum(
        comparison.target is not None for comparison in _comparisons({job.key for job in jobs})
    )
    print(
        f"targets met: {targets - len(missed)} of {targets}"
        + (f" (missed: {'; '.join(missed)})" if missed else "")
    )
    print(f"whole run: {time.perf_counter() - started:.0f} s, of which preparing the databases"
          f" {prepared:.0f} s")  # fmt: skip
    return 1 if mismatches else 0


def _reset_redis(seed) -> None:
    """None of the bench's Redis keys but the raw feed's sorted set of the big group's posts
    and the API tokens' records: no cache, throttle history or queue survives a copy of the
    database."""
    from rest_framework.authtoken.models import Token

    from bench.views import RAW_FEED_KEY_PARTS
    from communities.models import Post
    from divan.authentication import token_records_fill
    from divan.redis import get_redis, redis_key

    redis = get_redis()
    _clear_redis(redis, redis_key(""))
    post_ids = list(Post.objects.filter(group_id=seed.group_id).values_list("pk", flat=True))
    redis.zadd(redis_key(*RAW_FEED_KEY_PARTS), {str(pk): pk for pk in post_ids})
    # a signed-in member's steady state: the token read from Redis since its first request (on
    # this busy machine a few seconds of wrk use each of the 1,000 tokens about once)
    token_records_fill(Token.objects.select_related("user"))


def _prepare_jobs(*, seed, run_dir: Path) -> tuple[list[Job], list[str]]:
    """The pgbench models and the token files; the jobs, and the members' tokens."""
    from rest_framework.authtoken.models import Token

    from bench import pgbench_models

    models = pgbench_models.generate(
        group_id=seed.group_id,
        hot_post_id=seed.hot_post_id,
        other_post_id=seed.thread_post_id,
        member_id_min=seed.member_id_min,
        member_id_max=seed.member_id_max,
    )
    print(f"pgbench models written from the services' SQL: {models.reactions.relative_to(ROOT)},"
          f" {models.post_create.relative_to(ROOT)}")  # fmt: skip
    member_tokens = list(
        Token.objects.filter(user__pk__range=(seed.member_id_min, seed.member_id_max))
        .order_by("user_id")
        .values_list("key", flat=True)
    )
    reader_tokens = list(
        Token.objects.filter(user__pk__in=seed.reader_ids)
        .order_by("user_id")
        .values_list("key", flat=True)
    )
    tokens_file, readers_file = run_dir / "members.tokens", run_dir / "readers.tokens"
    tokens_file.write_text("\n".join(member_tokens) + "\n")
    readers_file.write_text("\n".join(reader_tokens) + "\n")
    jobs = _jobs(seed=seed, tokens_file=tokens_file, readers_file=readers_file, models=models)
    return jobs, member_tokens


def _measure_rounds(
    jobs: list[Job], *, seed, knobs: Knobs, env: dict[str, str], run_dir: Path, token: str
) -> tuple[dict[str, list[Measurement]], list[str]]:
    """Start gunicorn, check every path answers, warm up, then measure every job once per
    round, each round on a fresh copy of the seed; after each round's writes, check the
    counters. The measurements, and the counters that were wrong. gunicorn is stopped whatever
    happens."""
    from django.db import connection

    from bench import database as bench_database
    from bench.server import Gunicorn

    results: dict[str, list[Measurement]] = {job.key: [] for job in jobs}
    mismatches: list[str] = []
    server = Gunicorn(
        binary=Path(sys.executable).parent / "gunicorn",
        cwd=ROOT,
        env=env,
        log_path=run_dir / "gunicorn.log",
    )
    with server:
        print(f"gunicorn on 127.0.0.1:{server.port}: {' '.join(server.command[1:6])}")
        try:
            pages = _smoke(jobs, port=server.port, token=token)
            print(f"  every path answers 2xx; results per page: {pages}")
            for job in jobs:  # both workers warmed up on every read path; figures discarded
                if job.tool == "wrk" and job.reads:
                    run_wrk(job, port=server.port, seconds=WARM_UP_SECONDS, round_index=0)
                    server.drain()
            for round_index in range(knobs.rounds):
                if round_index:
                    seconds = bench_database.copy()
                    _reset_redis(seed)
                    connection.close()
                    _smoke(jobs, port=server.port, token=token)
                    print(f"round {round_index + 1}/{knobs.rounds}, on a fresh copy of the seed"
                          f" ({seconds:.1f} s)", flush=True)  # fmt: skip
                else:
                    print(f"round 1/{knobs.rounds}", flush=True)
                for job in jobs:
                    results[job.key].append(
                        _measure(job, knobs=knobs, server=server, round_index=round_index,
                                 run_dir=run_dir, token=token)
                    )  # fmt: skip
                round_mismatches = bench_database.counters_mismatches(hot_post_id=seed.hot_post_id)
                mismatches += [f"round {round_index + 1}: {line}" for line in round_mismatches]
                print(f"  counters after the writes: {len(round_mismatches) or 'all'}"
                      f" {'wrong' if round_mismatches else 'exact'}")  # fmt: skip
                connection.close()
        except BenchError as error:
            raise BenchError(f"{error}\ngunicorn's log ends:\n{server.log_tail()}") from None
    return results, mismatches


def _measure(
    job: Job, *, knobs: Knobs, server, round_index: int, run_dir: Path, token: str
) -> Measurement:
    """One job, once: wrk against the server, then waiting for the requests it left queued; or
    pgbench against the database (the reactions model takes one kind per round, where the HTTP
    side rotates through them all). A write starts on a vacuumed database (bench.database.vacuum).
    Divan answering anything but 2xx under load stops the run."""
    from django.conf import settings
    from django.db import connection

    from bench import database as bench_database

    if not job.reads:
        bench_database.vacuum(analyze=False)
        connection.close()
    if job.tool == "wrk":
        measurement = run_wrk(job, port=server.port, seconds=knobs.seconds, round_index=round_index)
        server.drain()
    else:
        kind = settings.REACTION_KINDS[round_index % len(settings.REACTION_KINDS)]
        defines = {name: value.format(kind=kind) for name, value in job.defines.items()}
        measurement = run_pgbench(
            dataclasses.replace(job, defines=defines),
            seconds=knobs.seconds,
            round_index=round_index,
            log_dir=run_dir,
            database=connection.settings_dict,
        )
    print(_progress_line(job, measurement), flush=True)
    if measurement.non_2xx:
        status, content = _try_requests(job, port=server.port, token=token)
        raise BenchError(
            f"{job.label}: Divan answered {measurement.non_2xx} errors under load;"
            f" a request now answers {status}: {content[:500]!r}"
        )
    return measurement


def _progress_line(job: Job, measurement: Measurement) -> str:
    line = (
        f"  {job.label:<40} {measurement.requests_per_second:8.1f}/s"
        f"  p50 {measurement.p50_ms:7.1f} ms  p99 {measurement.p99_ms:7.1f} ms"
    )
    if job.tool == "wrk":
        line += f"  non-2xx {measurement.non_2xx}"
    if measurement.socket_errors:
        line += f"  socket errors {measurement.socket_errors}"
    return line


def _clear_redis(redis, prefix: str) -> None:
    """Delete this bench's Redis keys (its own prefix, nobody else's)."""
    batch = []
    for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            redis.delete(*batch)
            batch.clear()
    if batch:
        redis.delete(*batch)
