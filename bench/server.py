"""The server under test: gunicorn on a free local port, started, awaited and always stopped."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.errors import BenchError

WORKERS = 2
START_DEADLINE_SECONDS = 60
STOP_DEADLINE_SECONDS = 15
DRAIN_DEADLINE_SECONDS = 60


class ServerError(BenchError):
    """gunicorn did not start, or did not answer."""


def free_port() -> int:
    """A port nothing listens on now: the kernel's pick for port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(
    port: int, method: str, path: str, *, token: str | None = None, body: dict | None = None
) -> tuple[int, bytes]:
    """One HTTP request to the server: (status, body)."""
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(method, path, body=data, headers=headers)
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


class Gunicorn:
    """`gunicorn config.wsgi -w 2 -k sync` with the environment given, as a context manager."""

    def __init__(self, *, binary: Path, cwd: Path, env: dict[str, str], log_path: Path):
        self.binary, self.cwd, self.env, self.log_path = binary, cwd, env, log_path
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.command: list[str] = []

    def __enter__(self) -> "Gunicorn":
        self.port = free_port()
        self.command = [
            str(self.binary),
            "config.wsgi",
            "-w",
            str(WORKERS),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "info",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one below
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _booted_workers(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("Booting worker with pid")
        except OSError:
            return 0

    def _wait_until_ready(self) -> None:
        """Poll /healthz until it answers 200 and both workers have booted, or the deadline."""
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                status, body = request(self.port, "GET", "/healthz")
            except OSError as error:
                last_error = str(error)
            else:
                if status == 200 and self._booted_workers() >= WORKERS:
                    return
                last_error = f"/healthz answered {status}: {body[:200]!r}"
            time.sleep(0.2)
        raise ServerError(
            f"gunicorn did not answer within {START_DEADLINE_SECONDS} s ({last_error}):\n"
            f"{self.log_tail()}"
        )

    def drain(self) -> None:
        """Wait until the requests a finished wrk left queued are all answered. wrk stops with
        up to one request per connection still queued or running in the workers, seconds of
        work on a slow path, which would fall on the next measurement. A worker takes queued
        connections in order, one at a time: once every worker has answered one of WORKERS
        probes sent together after wrk ended, every request queued before them is done."""
        deadline = time.monotonic() + DRAIN_DEADLINE_SECONDS
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            while time.monotonic() < deadline:
                probes = [
                    pool.submit(request, self.port, "GET", "/bench/worker-pid/")
                    for _ in range(WORKERS)
                ]
                answers = [probe.result() for probe in probes]
                ok = all(status == 200 for status, _ in answers)
                if ok and len({body for _, body in answers}) == WORKERS:
                    return
        raise ServerError(f"gunicorn did not drain within {DRAIN_DEADLINE_SECONDS} s")

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to its process group past the
        deadline."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_DEADLINE_SECONDS)
