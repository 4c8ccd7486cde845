"""`python -m bench --live`: the stream process (live updates, issue 22), each figure beside a
raw limit measured in the same run.

The stream process is the real one, `uvicorn live.asgi:application` (one worker; uvloop and
httptools, as uvicorn picks them), under production settings; its raw limit is the least an SSE
endpoint can do under the same uvicorn (bench.live_raw: no sign-in, no buffer, no check, one
Redis subscription fanned out in process). One load client process (bench.live_client) holds
the streams.

- idle connections held by the one process, each signed in with a token of its own person and
  read until its `ready` event (target: BENCH_LIVE_CONNECTIONS, 10,000), and the process's
  memory per connection: its RSS (VmRSS) once they are all open, less its RSS before;
- publish-to-client at BENCH_LIVE_CLIENTS (1,000) connected people: `channels.publish` of one
  message to all of them (their buffers and channels, as the live consumer publishes a new post
  to the group's connected members), about a post in a public group they are all members of (so
  the stream process asks PostgreSQL who may see it, as it does for every feed message), one
  message at a time, each once the one before has reached every client; the delay from the call
  to each client's receipt, p50 and p99 (target p99 under 200 ms); beside the minimal endpoint
  (one PUBLISH, fanned out) and Redis's own PUBLISH to a SUBSCRIBEd asyncio client;
- messages delivered per second at the same clients: BENCH_LIVE_BURSTS bursts of
  BENCH_LIVE_BURST messages (under LIVE_QUEUE_MAX, so that no client is dropped as slow), each
  to every client, published as fast as the publisher goes; the clients' receipts per second
  from the first publish to the last receipt, beside the minimal endpoint's for the same
  messages.

It runs on a scratch database of its own (`<BENCH_DATABASE_URL's name>_live`: the people,
their tokens, the group and its post written with set-based SQL, dropped at the end) and Redis
keys under a prefix of its own (cleared at the end). Knobs: BENCH_LIVE_CONNECTIONS (10000),
BENCH_LIVE_CLIENTS (1000), BENCH_LIVE_LATENCY_SAMPLES (100), BENCH_LIVE_BURST (50: keep it under
LIVE_QUEUE_MAX), BENCH_LIVE_BURSTS (5).
"""

import asyncio
import importlib.metadata
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.parsing import percentile
from bench.server import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_PREFIX = "divan-bench-live"
CONNECTIONS_TARGET = 10_000
LATENCY_TARGET_P99_MS = 200.0
IDLE_SECONDS = 0.02  # between two latency samples
WARM_UP_MESSAGES = 5
START_DEADLINE_SECONDS = 60
WAIT_SECONDS = 60


@dataclass(frozen=True)
class Knobs:
    connections: int
    clients: int
    latency_samples: int
    burst: int
    bursts: int

    @classmethod
    def from_environment(cls) -> "Knobs":
        def number(name: str, default: int) -> int:
            try:
                return int(os.environ.get(name, default))
            except ValueError:
                raise BenchError(f"{name} is a whole number") from None

        knobs = cls(
            connections=number("BENCH_LIVE_CONNECTIONS", CONNECTIONS_TARGET),
            clients=number("BENCH_LIVE_CLIENTS", 1000),
            latency_samples=number("BENCH_LIVE_LATENCY_SAMPLES", 100),
            burst=number("BENCH_LIVE_BURST", 50),
            bursts=number("BENCH_LIVE_BURSTS", 5),
        )
        if not 1 <= knobs.clients <= knobs.connections:
            raise BenchError("BENCH_LIVE_CLIENTS must be between 1 and BENCH_LIVE_CONNECTIONS")
        return knobs


# --- the processes ----------------------------------------------------------------------------


def _raise_open_files_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Uvicorn:
    """`uvicorn <app>` (one worker, its default loop and HTTP parser) on a free port, with the
    environment given, as a context manager; its open-files limit raised to the hard one."""

    def __init__(self, app: str, *, env: dict[str, str], launcher: tuple[str, ...] = ()):
        self.app, self.env, self.launcher = app, env, launcher
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        handle, self.log_path = tempfile.mkstemp(prefix="divan-bench-live-", suffix=".log")
        os.close(handle)

    def __enter__(self) -> "Uvicorn":
        uvicorn = str(Path(sys.executable).with_name("uvicorn"))
        command = [*self.launcher, uvicorn, self.app, "--host", "127.0.0.1", "--port",
                   str(self.port), "--no-access-log", "--log-level", "warning"]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_raise_open_files_limit,
            )  # fmt: skip
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            if self.process.poll() is not None:
                raise BenchError(f"{self.app} exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise BenchError(f"{self.app} did not answer:\n{self.log_tail()}") from None
                time.sleep(0.1)

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def rss_kib(self) -> int:
        """The process's resident memory now (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise BenchError(f"no VmRSS for {self.app}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self) -> str:
        return Path(self.log_path).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


class LoadClient:
    """The load client process (bench.live_client), one command and its answer at a time."""

    def __enter__(self) -> "LoadClient":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.live_client"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def ask(self, op: str, **arguments) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise BenchError(f"the load client ended (exit {self.process.wait()})")
        return json.loads(line)

    def wait(self, n: int) -> None:
        answer = self.ask("wait", n=n, timeout=WAIT_SECONDS)
        if answer.get("timed_out"):
            lacking = answer["pending"]
            raise BenchError(f"{lacking} clients lacked message {n} after {WAIT_SECONDS} s")


# --- the data ----------------------------------------------------------------------------------


def _prepare(count: int) -> tuple[list[int], list[str], dict]:
    """`count` people with a token each and a public group of them all with one post: (their
    ids, their tokens in the same order, the scope of a message about the post)."""
    from bench.feeds_bench import (
        _execute,
        _insert_group,
        _insert_posts,
        _insert_tokens,
        _insert_users,
    )
    from live import channels

    first, last = _insert_users("live-", count)
    group_id = _insert_group("live", owner_id=first, first=first, last=last)
    (post_id,) = _insert_posts(group_id, author_first=first, authors=1, count=1,
                               newest_age_seconds=60, span_seconds=60)  # fmt: skip
    user_ids = list(range(first, last + 1))
    tokens = _insert_tokens(user_ids)
    _execute("VACUUM ANALYZE")
    about = channels.scope(group_id=group_id, post_id=post_id, author_id=first)
    return user_ids, [tokens[user_id] for user_id in user_ids], about


# --- the measurements --------------------------------------------------------------------------


@dataclass
class Figures:
    held: int = 0
    failed: dict | None = None
    open_seconds: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    delivered_per_second: float = 0.0
    publish_seconds: float = 0.0  # of the bursts, in the publisher
    burst_seconds: float = 0.0
    server_cpu_seconds: float = 0.0  # of the bursts
    client_cpu_seconds: float = 0.0  # of the bursts

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / self.held if self.held else 0.0


def _measure(server: Uvicorn, client: LoadClient, publisher, *, tokens, knobs: Knobs) -> Figures:
    """Connections and memory, then latency and throughput at knobs.clients streams kept open;
    `publisher(kept)` is the `publish(n)` that sends message n to the people of those streams
    (by their index in `tokens`)."""
    figures = Figures()
    time.sleep(1)  # the process settled after its start
    figures.rss_before_kib = server.rss_kib()
    print(f"  opening {knobs.connections:,} streams", flush=True)
    opened = client.ask("open", port=server.port, count=knobs.connections, tokens=tokens)
    time.sleep(2)
    figures.rss_after_kib = server.rss_kib()
    figures.held, figures.failed, figures.open_seconds = (
        opened["held"], opened["failed"], opened["seconds"]
    )  # fmt: skip
    print(f"  held {figures.held:,} in {figures.open_seconds:.1f} s"
          f"{f', failed {figures.failed}' if figures.failed else ''}", flush=True)  # fmt: skip
    kept = client.ask("keep", count=knobs.clients)
    if kept["held"] < knobs.clients:
        raise BenchError(f"only {kept['held']} streams of {knobs.clients} held for latency")
    publish = publisher(kept["kept"])
    time.sleep(1)  # the closed streams gone from the process

    n = 0
    for _ in range(WARM_UP_MESSAGES):
        publish(n)
        client.wait(n)
        n += 1
    print(f"  publish-to-client, {knobs.latency_samples} messages to {knobs.clients:,}", flush=True)
    client.ask("record")
    for _ in range(knobs.latency_samples):
        publish(n)
        client.wait(n)
        n += 1
        time.sleep(IDLE_SECONDS)
    report = client.ask("report")
    delays = report["delays_ms"]
    if len(delays) != knobs.latency_samples * knobs.clients:
        raise BenchError(f"{len(delays)} receipts of {knobs.latency_samples * knobs.clients}")
    figures.p50_ms, figures.p99_ms = statistics.median(delays), percentile(delays, 0.99)
    figures.max_ms = max(delays)

    print(f"  throughput, {knobs.bursts} bursts of {knobs.burst} messages", flush=True)
    client.ask("record")
    client_cpu = report["cpu_seconds"]
    server_cpu = server.cpu_seconds()
    for _ in range(knobs.bursts):
        started = time.perf_counter()
        for _ in range(knobs.burst):
            publish(n)
            n += 1
        figures.publish_seconds += time.perf_counter() - started
        client.wait(n - 1)
        figures.burst_seconds += time.perf_counter() - started
    report = client.ask("report")
    figures.server_cpu_seconds = server.cpu_seconds() - server_cpu
    figures.client_cpu_seconds = report["cpu_seconds"] - client_cpu
    expected = knobs.bursts * knobs.burst * knobs.clients
    if report["counted"] != expected or report["dropped"]:
        raise BenchError(f"{report['counted']} receipts of {expected}, dropped {report['dropped']}")
    figures.delivered_per_second = expected / figures.burst_seconds
    client.ask("keep", count=0)
    return figures


async def _pubsub_floor(url: str, channel: str, samples: int) -> list[float]:
    """Milliseconds from a PUBLISH until a SUBSCRIBEd asyncio client (redis.asyncio) has it."""
    import redis.asyncio as aioredis

    subscriber, publisher = aioredis.Redis.from_url(url), aioredis.Redis.from_url(url)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=5)  # the subscription's confirmation
    results = []
    try:
        for n in range(samples + WARM_UP_MESSAGES):
            sent = time.perf_counter()
            await publisher.publish(channel, str(n))
            message = await pubsub.get_message(timeout=5)
            if message is None:
                raise BenchError("a PUBLISH did not reach the subscriber within 5 s")
            if n >= WARM_UP_MESSAGES:
                results.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(IDLE_SECONDS)
    finally:
        await pubsub.aclose()
        await subscriber.aclose()
        await publisher.aclose()
    return results


# --- the report ----------------------------------------------------------------------------------


def _machine() -> list[str]:
    from django.db import connection

    from divan.redis import get_redis

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("uvicorn", "uvloop", "httptools", "redis", "hiredis")
    )
    return [
        f"machine: nproc {len(os.sched_getaffinity(0))}, {memory_gib:.0f} GiB RAM,"
        f" {platform.system()} {platform.release()}, load average now {load},"
        f" open files {resource.getrlimit(resource.RLIMIT_NOFILE)[1]:,} per process"
        " (servers, Redis, PostgreSQL, the client and the publisher share the machine)",
        f"software: Python {platform.python_version()}, PostgreSQL {postgres},"
        f" Redis {get_redis().info('server')['redis_version']}, {versions}",
    ]


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _row(label: str, divan: str, raw: str, ratio: float | None, target: str = "") -> str:
    text = f"{label:<48} {divan:>14} | {raw:>14} |"
    if ratio is not None:
        text += f" {ratio:5.2f}"
    return text + (f"  {target}" if target else "")


def _per_thousand(cpu_seconds: float, figures: Figures) -> float:
    """CPU milliseconds per 1,000 deliveries of the bursts."""
    return cpu_seconds * 1e6 / (figures.delivered_per_second * figures.burst_seconds)


def _report(divan: Figures, raw: Figures, floor: list[float], knobs: Knobs) -> list[str]:
    floor50, floor99 = statistics.median(floor), percentile(floor, 0.99)
    held_met = divan.held >= CONNECTIONS_TARGET
    p99_met = divan.p99_ms < LATENCY_TARGET_P99_MS
    divan_opens, raw_opens = divan.held / divan.open_seconds, raw.held / raw.open_seconds
    divan_kib, raw_kib = divan.kib_per_connection, raw.kib_per_connection
    divan_rate, raw_rate = divan.delivered_per_second, raw.delivered_per_second
    at = f"{knobs.clients:,} clients"
    messages = knobs.bursts * knobs.burst
    return [
        f"{'what':<48} {'Divan':>14} | {'minimal SSE':>14} | ratio",
        _row(f"idle connections held (of {knobs.connections:,} opened)", f"{divan.held:,}",
             f"{raw.held:,}", divan.held / raw.held if raw.held else None,
             f"(>= {CONNECTIONS_TARGET:,}: {_verdict(held_met)})"),
        _row("  opened and read to `ready`, per second", f"{divan_opens:,.0f}",
             f"{raw_opens:,.0f}", divan_opens / raw_opens),
        _row("memory per connection (RSS after - before)", f"{divan_kib:,.1f} KiB",
             f"{raw_kib:,.1f} KiB", divan_kib / raw_kib if raw_kib > 0 else None),
        _row("  RSS before -> with them all open",
             f"{divan.rss_before_kib / 1024:,.0f}->{divan.rss_after_kib / 1024:,.0f} MiB",
             f"{raw.rss_before_kib / 1024:,.0f}->{raw.rss_after_kib / 1024:,.0f} MiB", None),
        _row(f"publish-to-client at {at}, p50", f"{divan.p50_ms:,.1f} ms",
             f"{raw.p50_ms:,.1f} ms", divan.p50_ms / raw.p50_ms),
        _row(f"publish-to-client at {at}, p99", f"{divan.p99_ms:,.1f} ms",
             f"{raw.p99_ms:,.1f} ms", divan.p99_ms / raw.p99_ms,
             f"(< {LATENCY_TARGET_P99_MS:.0f} ms: {_verdict(p99_met)})"),
        _row("  max", f"{divan.max_ms:,.1f} ms", f"{raw.max_ms:,.1f} ms", None),
        f"  Redis PUBLISH to a SUBSCRIBEd asyncio client (no SSE): p50 {floor50:.2f} ms,"
        f" p99 {floor99:.2f} ms",
        _row(f"messages delivered per second at {at}", f"{divan_rate:,.0f}/s",
             f"{raw_rate:,.0f}/s", divan_rate / raw_rate),
        _row("  publishing one message, in the publisher",
             f"{divan.publish_seconds * 1000 / messages:,.2f} ms",
             f"{raw.publish_seconds * 1000 / messages:,.2f} ms", None,
             f"(channels.publish to {at} | one PUBLISH)"),
        _row("  server CPU per 1,000 deliveries",
             f"{_per_thousand(divan.server_cpu_seconds, divan):,.1f} ms",
             f"{_per_thousand(raw.server_cpu_seconds, raw):,.1f} ms", None),
        _row("  client CPU per 1,000 deliveries",
             f"{_per_thousand(divan.client_cpu_seconds, divan):,.1f} ms",
             f"{_per_thousand(raw.client_cpu_seconds, raw):,.1f} ms", None),
    ]  # fmt: skip


def main() -> int:
    from bench import http_bench
    from bench.feeds_bench import _create_database, _drop_database, _scratch_url

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    _raise_open_files_limit()
    knobs = http_bench.Knobs.from_environment()
    live = Knobs.from_environment()
    name, url = _scratch_url(knobs.database_url, "_live")
    http_bench.configure_environment(knobs)
    os.environ.update({"DATABASE_URL": url, "REDIS_KEY_PREFIX": REDIS_PREFIX})

    import django

    django.setup()

    from django.conf import settings
    from django.db import connections

    from divan.redis import get_redis, redis_key
    from live import channels

    print(f"Live updates on {name} ({live.connections:,} streams held,"
          f" {live.clients:,} for latency and throughput)", flush=True)  # fmt: skip
    redis_client = get_redis()
    raw_channel = redis_key("live", "bench-raw")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "REDIS_URL": settings.REDIS_URL,
        "BENCH_LIVE_CHANNEL": raw_channel,
    }
    try:
        http_bench._clear_redis(redis_client, redis_key(""))
        _create_database(name)
        user_ids, tokens, about = _prepare(live.connections)
        header = [
            *_machine(),
            f"settings: config.settings.prod; LIVE_QUEUE_MAX {settings.LIVE_QUEUE_MAX},"
            f" LIVE_HEARTBEAT_SECONDS {settings.LIVE_HEARTBEAT_SECONDS:g}, uvicorn 1 worker;"
            f" each message is channels.publish to all {live.clients:,} people about a post in"
            " their public group (the check at sending asks PostgreSQL)",
        ]
        for line in header:
            print(line, flush=True)
        connections.close_all()
        prepared = time.perf_counter() - started

        def divan_publisher(kept: list[int]):
            readers = [user_ids[index] for index in kept]

            def publish(n: int) -> None:
                channels.publish(readers, channels.FEED, {"n": n, "t": time.time()}, about=about)

            return publish

        def raw_publisher(_kept: list[int]):
            def publish(n: int) -> None:
                message = json.dumps({"n": n, "t": time.time()}, separators=(",", ":"))
                redis_client.publish(raw_channel, message)

            return publish

        with LoadClient() as client:
            print("the stream process (live.asgi)", flush=True)
            with Uvicorn("live.asgi:application", env=env) as server:
                try:
                    divan = _measure(server, client, divan_publisher, tokens=tokens, knobs=live)
                except BenchError as error:
                    raise BenchError(f"{error}\n{server.log_tail()}") from None
            print("the minimal SSE endpoint (bench.live_raw)", flush=True)
            with Uvicorn("bench.live_raw:application", env=env) as server:
                raw = _measure(server, client, raw_publisher, tokens=None, knobs=live)
            client.ask("exit")
        import uvloop

        floor = uvloop.run(_pubsub_floor(settings.REDIS_URL, raw_channel, live.latency_samples))
    finally:
        http_bench._clear_redis(redis_client, redis_key(""))
        _drop_database(name)

    print()
    for line in [*header, "", *_report(divan, raw, floor, live)]:
        print(line)
    print(f"whole run: {time.perf_counter() - started:.0f} s, of which preparing {prepared:.0f} s")
    return 0
