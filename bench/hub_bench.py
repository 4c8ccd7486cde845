"""`python -m bench --hub`: the hub's API proxy (web/src/app/api/[...path]/route.ts), which
every request of the browser goes through, beside the same request sent straight to gunicorn in
the same run: the raw limit the proxy can at most reach.

- the request: `GET /api/auth/session/` with no session (Django's session and CSRF middleware,
  one throttle INCR in Redis, no SQL), the hub's first request on every page;
- gunicorn -w 2 sync as the other benches (production settings, throttles out of the way), and
  the hub's server (`web/server.mjs`, Next's handler in one Node process), proxying to it (the
  build must exist: `make bench` makes it);
- wrk -t2 -c16 for BENCH_SECONDS (8) per run, after a warm-up, BENCH_ROUNDS (3) rounds
  alternating the two, medians. Every answer must be 2xx.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.errors import BenchError
from bench.http_bench import WARM_UP_SECONDS, Knobs, configure_environment
from bench.parsing import WrkResult, median, parse_wrk
from bench.server import Gunicorn, free_port, request

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
PATH = "/api/auth/session/"
THREADS, CONNECTIONS = 2, 16
START_DEADLINE_SECONDS = 60


def _wrk(port: int, seconds: int) -> WrkResult:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
               f"http://127.0.0.1:{port}{PATH}"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed:\n{done.stdout}{done.stderr}")
    result = parse_wrk(done.stdout)
    if result.non_2xx or result.socket_errors:
        raise BenchError(f"errors under load on :{port}:\n{done.stdout}")
    return result


def _start_hub(api_port: int, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    if not (WEB / ".next" / "BUILD_ID").exists():
        raise BenchError("the hub is not built: `make bench` (or `cd web && npx next build`)")
    port = free_port()
    with log_path.open("wb") as log:
        hub = subprocess.Popen(
            ["node", "server.mjs", "-p", str(port), "-H", "127.0.0.1"],
            cwd=WEB,
            env={**env, "DIVAN_API_URL": f"http://127.0.0.1:{api_port}",
                 "NEXT_TELEMETRY_DISABLED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise BenchError(f"the hub exited with {hub.returncode}: {log_path.read_text()}")
        try:
            if request(port, "GET", PATH)[0] == 200:
                return hub, port
        except OSError:
            pass
        time.sleep(0.2)
    _stop(hub)
    raise BenchError(f"the hub did not answer within {START_DEADLINE_SECONDS} s")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> int:
    knobs = Knobs.from_environment()
    env = {**os.environ, **configure_environment(knobs)}
    results: dict[str, list[WrkResult]] = {"direct": [], "hub": []}
    with tempfile.TemporaryDirectory() as tmp:
        gunicorn = Gunicorn(binary=Path(sys.executable).parent / "gunicorn", cwd=ROOT, env=env,
                            log_path=Path(tmp) / "gunicorn.log")  # fmt: skip
        with gunicorn:
            hub, hub_port = _start_hub(gunicorn.port, env, Path(tmp) / "hub.log")
            try:
                ports = {"direct": gunicorn.port, "hub": hub_port}
                for port in ports.values():
                    _wrk(port, WARM_UP_SECONDS)
                for round_index in range(knobs.rounds):
                    for name, port in ports.items():
                        results[name].append(_wrk(port, knobs.seconds))
                        gunicorn.drain()
                        rate = results[name][-1].requests_per_second
                        print(f"  round {round_index + 1} {name}: {rate:,.0f} req/s", flush=True)
            finally:
                _stop(hub)
    direct, hub_rate = (median([r.requests_per_second for r in results[k]]) for k in results)
    print(f"\nHub: GET {PATH} (no session), wrk -t{THREADS} -c{CONNECTIONS}, medians of "
          f"{knobs.rounds} rounds of {knobs.seconds} s")  # fmt: skip
    for name in ("hub", "direct"):
        rate = median([r.requests_per_second for r in results[name]])
        p50 = median([r.p50_ms for r in results[name]])
        p99 = median([r.p99_ms for r in results[name]])
        label = "through the hub's proxy" if name == "hub" else "straight to gunicorn (raw limit)"
        print(f"  {label:36} {rate:8,.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
    print(f"  ratio {hub_rate / direct:.2f}")
    return 0
