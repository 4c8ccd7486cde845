"""`make bench` reads wrk's and pgbench's reports: the parsers, on outputs those tools printed;
and `bench --live`'s load client, on SSE cut anywhere and against the minimal endpoint."""

import json
import os
import time

import pytest

from bench.live_bench import LoadClient, Uvicorn
from bench.live_client import SseEvents
from bench.parsing import (
    ParseError,
    parse_pgbench,
    parse_wrk,
    percentile,
    pgbench_log_latencies_ms,
    time_to_ms,
)

WRK_CLEAN = """\
Running 8s test @ http://127.0.0.1:41235/api/communities/v1/groups/201/posts/?page_size=20
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   198.31ms   21.40ms 241.60ms   71.93%
    Req/Sec    40.12     12.05    70.00     66.67%
  Latency Distribution
     50%  198.30ms
     75%  210.11ms
     90%  223.48ms
     99%  241.62ms
  635 requests in 8.00s, 8.46MB read
Requests/sec:     79.38
Transfer/sec:      1.06MB
"""

WRK_ERRORS = """\
Running 1s test @ http://127.0.0.1:18765/nope
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.09ms    3.09ms  28.20ms   92.46%
    Req/Sec   750.30    146.77     1.03k    70.00%
  Latency Distribution
     50%  812.00us
     75%    3.44ms
     90%    5.54ms
     99%    1.02s
  1495 requests in 1.00s, 759.54KB read
  Socket errors: connect 0, read 2, write 0, timeout 7
  Non-2xx or 3xx responses: 1495
Requests/sec:   1492.40
Transfer/sec:    758.22KB
"""

PGBENCH_15 = """\
pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: bench/pgbench/reaction_add_remove.sql
scaling factor: 1
query mode: simple
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 8 s
number of transactions actually processed: 3176
number of failed transactions: 0 (0.000%)
latency average = 40.304 ms
initial connection time = 12.345 ms
tps = 396.981234 (without initial connection time)
"""

PGBENCH_13 = """\
transaction type: post_create.sql
scaling factor: 1
query mode: simple
number of clients: 16
number of threads: 2
duration: 8 s
number of transactions actually processed: 8574
latency average = 14.930 ms
tps = 1071.654321 (including connections establishing)
tps = 1072.000000 (excluding connections establishing)
"""


def test_wrk_report_without_errors():
    result = parse_wrk(WRK_CLEAN)

    assert result.requests_per_second == 79.38
    assert result.p50_ms == pytest.approx(198.30)
    assert result.p99_ms == pytest.approx(241.62)
    assert result.requests == 635
    assert (result.non_2xx, result.socket_errors, result.timeouts) == (0, 0, 0)


def test_wrk_report_with_errors_and_every_unit():
    result = parse_wrk(WRK_ERRORS)

    assert result.requests_per_second == 1492.40
    assert result.p50_ms == pytest.approx(0.812)
    assert result.p99_ms == pytest.approx(1020.0)
    assert result.non_2xx == 1495
    assert (result.socket_errors, result.timeouts) == (9, 7)


def test_wrk_report_without_latency_distribution_is_refused():
    without = "\n".join(line for line in WRK_CLEAN.splitlines() if "%  " not in line)

    with pytest.raises(ParseError, match="--latency"):
        parse_wrk(without)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("812.00us", 0.812), ("4.51ms", 4.51), ("1.02s", 1020.0), ("1.50m", 90_000.0)],
)
def test_wrk_durations_in_milliseconds(text, ms):
    assert time_to_ms(text) == pytest.approx(ms)


def test_pgbench_15_summary():
    result = parse_pgbench(PGBENCH_15)

    assert result.tps == pytest.approx(396.981234)
    assert (result.transactions, result.failed) == (3176, 0)
    assert result.latency_average_ms == pytest.approx(40.304)


def test_pgbench_summary_before_15_has_no_failures_line():
    result = parse_pgbench(PGBENCH_13)

    assert result.tps == 1072.0  # without the connections, as on 14 and later
    assert (result.transactions, result.failed) == (8574, 0)


def test_pgbench_failed_transactions_are_read():
    failing = PGBENCH_15.replace("failed transactions: 0 (0.000%)", "failed transactions: 3 (0.1%)")

    assert parse_pgbench(failing).failed == 3


def test_pgbench_without_tps_is_refused():
    with pytest.raises(ParseError, match="tps"):
        parse_pgbench("pgbench: error: connection to server failed\n")


def test_pgbench_log_latencies_and_percentiles():
    log = [
        "0 0 1500 0 1732426800 123456",
        "1 0 2500 0 1732426800 223456",
        "0 1 failed 0 1732426801 1",
        "1 1 10000 0 1732426801 323456",
        "",
    ]

    latencies = pgbench_log_latencies_ms(log)

    assert latencies == [1.5, 2.5, 10.0]
    assert percentile(latencies, 0.50) == 2.5
    assert percentile(latencies, 0.99) == 10.0
    assert percentile([4.0], 0.99) == 4.0


# --- bench --live: the load client's reading of SSE, and a short run against the minimal endpoint


def test_sse_events_cut_anywhere_are_read_whole():
    body = (
        b"retry: 2000\n\nevent: ready\ndata: {}\n\n: ping\n\n"
        b'id: 1-0\nevent: feed\ndata: {"n":0,"t":1.5}\n\n'
    )
    events = SseEvents()

    read = [event for cut in range(0, len(body), 7) for event in events.feed(body[cut : cut + 7])]

    assert read == [("ready", b"{}"), ("feed", b'{"n":0,"t":1.5}')]
    assert events.tail == b""


def test_the_load_client_holds_streams_of_the_minimal_endpoint_and_counts_messages(settings):
    from divan.redis import get_redis

    channel = f"{settings.REDIS_KEY_PREFIX}:bench-live-smoke"
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL, "BENCH_LIVE_CHANNEL": channel}
    with LoadClient() as client, Uvicorn("bench.live_raw:application", env=env) as server:
        opened = client.ask("open", port=server.port, count=20, tokens=None)
        kept = client.ask("keep", count=5)
        client.ask("record")
        for n in range(3):
            get_redis().publish(channel, json.dumps({"n": n, "t": time.time()}))
        client.wait(2)
        report = client.ask("report")
        client.ask("exit")

    assert (opened["held"], opened["failed"]) == (20, {})
    assert kept == {"held": 5, "kept": [0, 1, 2, 3, 4]}
    assert (report["counted"], report["dropped"], report["held"]) == (15, {}, 5)
    assert len(report["delays_ms"]) == 15
