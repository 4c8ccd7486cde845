"""Real processes for the tests: a Celery worker, beat and the events process on this run's
queue, database and Redis keys, and a redis-server of the test's own on a free port; each
started and SIGKILLed (or stopped) by the test, never the shared services."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, message: str, every: float = 0.05):
    """Poll `condition` until it returns something true, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s: {message}")


def redis_answers(port: int) -> bool:
    """Whether a Redis on this local port answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class DivanProcess:
    """A Divan process (`argv`, run from the project's root) in its own process group, on the
    test run's database, Redis keys and queue, with `env` on top; its output goes to a log."""

    name = "process"

    def __init__(self, **env: str):
        database = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}",
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen | None = None
        handle, self.log_path = tempfile.mkstemp(prefix=f"divan-{self.name}-", suffix=".log")
        os.close(handle)

    def argv(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> "DivanProcess":
        log = open(self.log_path, "ab")  # noqa: SIM115 - the process writes it while it runs
        self.process = subprocess.Popen(
            self.argv(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()  # the process holds its own copy
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and its children at once, wherever they are."""
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a supervisor stops it; its exit code."""
        assert self.running(), f"{self.name} is not running"
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def log_tail(self) -> str:
        return f"{self.name}: " + Path(self.log_path).read_text(errors="replace")[-3000:]


class Worker(DivanProcess):
    """`celery -A config worker` (prefork, `concurrency` processes) on the run's queue."""

    name = "worker"

    def __init__(self, concurrency: int = 1, **env: str):
        super().__init__(**env)
        self.concurrency = concurrency

    def argv(self) -> list[str]:
        return [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker",
                "--pool", "prefork", "--concurrency", str(self.concurrency),
                "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip",
                "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]  # fmt: skip


class Beat(DivanProcess):
    """`celery -A config beat`, with a schedule file of its own."""

    name = "beat"

    def argv(self) -> list[str]:
        schedule = Path(tempfile.mkdtemp(prefix="divan-beat-")) / "schedule"
        return [str(Path(sys.executable).with_name("celery")), "-A", "config", "beat",
                "--schedule", str(schedule), "--loglevel", "WARNING"]  # fmt: skip


class Events(DivanProcess):
    """The events process: `manage.py consume_events --all`."""

    name = "events"

    def argv(self) -> list[str]:
        return [sys.executable, "manage.py", "consume_events", "--all"]


class Stream(DivanProcess):
    """The stream process: `uvicorn live.asgi:application` on a free port, started once it
    answers."""

    name = "stream"

    def __init__(self, **env: str):
        super().__init__(**env)
        self.port = free_port()

    def argv(self) -> list[str]:
        return [str(Path(sys.executable).with_name("uvicorn")), "live.asgi:application",
                "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
                "--timeout-graceful-shutdown", "5", "--log-level", "warning"]  # fmt: skip

    def start(self) -> "Stream":
        super().start()
        wait_until(self._answers, timeout=30, message="the stream process did not start")
        return self

    def _answers(self) -> bool:
        assert self.running(), self.log_tail()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                return True
        except OSError:
            return False


def queued_messages() -> int:
    """Celery messages waiting in this run's queue."""
    from divan.redis import get_redis

    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    return get_redis().llen(prefix + settings.CELERY_TASK_DEFAULT_QUEUE)


class RedisServer:
    """A redis-server of the test's own on a free port, with an append-only file, so that
    what it held survives a stop and a start (with `persist=False`, it starts again empty)."""

    def __init__(self, *, persist: bool = True):
        self.persist = persist
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="divan-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", self.directory, "--save", "",
             "--appendonly", "yes" if self.persist else "no", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, timeout=10, message="redis-server did not start")
        return self

    def _answers(self) -> bool:
        return redis_answers(self.port)

    def snapshot(self) -> str:
        """A copy of what a stopped server holds on disk, for `restore`."""
        assert self.process is None, "stop the server first"
        copy = tempfile.mkdtemp(prefix="divan-redis-snapshot-")
        shutil.copytree(self.directory, copy, dirs_exist_ok=True)
        return copy

    def restore(self, snapshot: str) -> None:
        """Put a snapshot back in place of what a stopped server holds (an older backup)."""
        assert self.process is None, "stop the server first"
        shutil.rmtree(self.directory)
        shutil.copytree(snapshot, self.directory)
        shutil.rmtree(snapshot, ignore_errors=True)

    def shutdown_nosave(self) -> None:
        """SHUTDOWN NOSAVE: gone, with nothing written; started again, it is empty."""
        import redis

        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(self.url).shutdown(nosave=True)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
