"""What wrk and pgbench print, read into numbers: pure functions, no I/O."""

import math
import re
import statistics
from dataclasses import dataclass

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_COUNT_UNITS = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}
_WRK_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)


class ParseError(ValueError):
    """The tool's output does not hold the figure that was looked for."""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int  # wrk's "Non-2xx or 3xx responses": status 400 and above
    socket_errors: int  # connect, read, write and timeout errors together
    timeouts: int


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    transactions: int
    failed: int
    latency_average_ms: float


def time_to_ms(text: str) -> float:
    """A wrk duration ("812.00us", "4.51ms", "1.02s", "1.50m") in milliseconds."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(us|ms|s|m|h)\s*", text)
    if match is None:
        raise ParseError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _TIME_UNITS_MS[match[2]]


def _count(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)([kMG]?)", text.strip())
    if match is None:
        raise ParseError(f"not a wrk count: {text!r}")
    return float(match[1]) * _COUNT_UNITS[match[2]]


def _search(pattern: str, output: str, what: str) -> re.Match:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise ParseError(f"no {what} in this output:\n{output}")
    return match


def parse_wrk(output: str) -> WrkResult:
    """wrk's `--latency` report: Requests/sec, the 50% and 99% latencies, the request count,
    and the error counts (absent from the output when there were none)."""
    rate = _search(r"^Requests/sec:\s+([0-9.]+)", output, "Requests/sec")
    p50 = _search(r"^\s+50%\s+(\S+)", output, "50% latency (run wrk with --latency)")
    p99 = _search(r"^\s+99%\s+(\S+)", output, "99% latency (run wrk with --latency)")
    requests = _search(r"^\s+(\d+) requests in ", output, "request count")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = _WRK_SOCKET_ERRORS.search(output)
    socket_counts = [int(n) for n in sockets.groups()] if sockets else [0, 0, 0, 0]
    return WrkResult(
        requests_per_second=float(rate[1]),
        p50_ms=time_to_ms(p50[1]),
        p99_ms=time_to_ms(p99[1]),
        requests=int(_count(requests[1])),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(socket_counts),
        timeouts=socket_counts[3],
    )


def parse_pgbench(output: str) -> PgbenchResult:
    """pgbench's summary: tps (without the initial connection time), transactions processed,
    failed transactions (PostgreSQL 15 and later print them), and the average latency."""
    tps = _search(
        r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections"
        r" establishing)\)",
        output,
        "tps",
    )
    processed = _search(
        r"^number of transactions actually processed: (\d+)", output, "transaction count"
    )
    failed = re.search(r"^number of failed transactions: (\d+)", output, re.MULTILINE)
    latency = _search(r"^latency average = ([0-9.]+) ms", output, "average latency")
    return PgbenchResult(
        tps=float(tps[1]),
        transactions=int(processed[1]),
        failed=int(failed[1]) if failed else 0,
        latency_average_ms=float(latency[1]),
    )


def pgbench_log_latencies_ms(lines) -> list[float]:
    """Per-transaction latencies from pgbench's `-l` log lines ("client_id transaction_no time
    script_no time_epoch time_us ..."; time in microseconds). Failed transactions are left out."""
    latencies = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and fields[2].isdigit():
            latencies.append(int(fields[2]) / 1000)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` from 0 to 1) of a non-empty list."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)
