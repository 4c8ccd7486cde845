"""`python -m bench --uploads`: uploads (issue 10), each figure beside a raw limit of this
machine measured in the same run.

- presign: `POST uploads/` (a 1,000-byte PNG declared: the quota checked, the pending upload
  written, the local store's signed form returned) under wrk (gunicorn -w 2 sync, wrk -t2 -c16,
  USERS users' tokens, each wrk thread rotating through its half as the other benches do),
  beside the minimal DRF view (bench.views.RawConstantView) in the same server; every answer
  must be 2xx. The uploads table is emptied between rounds, so
  that every round's quota checks count the same rows;
- the local store's upload endpoint (`POST uploads/local/?token=`, what `upload.url` names
  without S3 settings): a 25 MiB PDF sent to exactly the returned URL, as a multipart form of
  the returned fields and then the file, streamed from disk by a body written here (the client
  never holds the file), timed from the request's first byte to its 204; `complete/` must then
  answer `ready`. Beside shutil.copyfile of the same file into the same filesystem; neither
  fsyncs (Divan's endpoint does not). BENCH_ROUNDS rounds, medians;
- the web worker's memory while it receives uploads of 1, 25 and 100 MiB (UPLOAD_MAX_BYTES
  raised to 200 MiB): per size a fresh gunicorn, dropped to one worker (SIGTTOU), warmed by a
  1 MiB upload; then the growth of the worker's VmHWM (its peak resident memory) and VmRSS
  (/proc/<pid>/status) over the measured upload. Flat: under FLAT_MIB at every size.

It runs on a scratch database of its own (`<BENCH_DATABASE_URL's name>_uploads`, migrated, its
users and tokens written with SQL, dropped at the end), Redis keys under a prefix of its own and
a temporary UPLOADS_LOCAL_ROOT (removed at the end). The local store serves (no
AWS_STORAGE_BUCKET_NAME); SITE_URL is each gunicorn's own address; the upload quotas are raised
out of the way, the throttles as for `make bench`. Knobs: BENCH_DATABASE_URL, BENCH_SECONDS (per
wrk run, 8), BENCH_ROUNDS (3) as `make bench`.
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.errors import BenchError
from bench.parsing import median
from bench.server import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
API = "/api/communities/v1"
REDIS_PREFIX = "divan-bench-uploads"  # Redis keys, and the Celery queue, of this bench alone
USERS = 16  # one per wrk connection
MIB = 2**20
MB = 10**6  # throughputs are in MB/s, 10^6 bytes a second
PRESIGN_BODY = {"filename": "a.png", "content_type": "image/png", "size": 1000}
PDF = "application/pdf"
PDF_HEAD = b"%PDF-1.7\n"  # what completion's type check reads
THROUGHPUT_SIZE = 25 * MIB
MEMORY_SIZES = (1 * MIB, 25 * MIB, 100 * MIB)
MEMORY_MAX_BYTES = 200 * MIB  # UPLOAD_MAX_BYTES of the memory runs' gunicorns
WARM_SIZE = 1 * MIB
FLAT_MIB = 4.0
CHUNK = MIB  # what the client reads from disk and sends at a time
RAISED_QUOTA_PENDING = 10**9
RAISED_QUOTA_BYTES_PER_DAY = 10**15
UPLOAD_TIMEOUT_SECONDS = 120
WORKER_DEADLINE_SECONDS = 30


# --- the server -----------------------------------------------------------------------------


def _status_fields(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict of its fields ("VmHWM": "81234 kB", ...); {} once gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _kib(value: str) -> int:
    number, unit = value.split()
    if unit != "kB":
        raise BenchError(f"/proc reports memory in {unit!r}, not kB")
    return int(number)


class UploadsGunicorn(Gunicorn):
    """bench.server's gunicorn whose SITE_URL is its own address (the port is drawn as it
    starts, and the local store's upload links start with SITE_URL), and which can be dropped
    to one worker."""

    @property
    def env(self) -> dict[str, str]:
        return {**self._env, "SITE_URL": f"http://127.0.0.1:{self.port}"}

    @env.setter
    def env(self, value: dict[str, str]) -> None:
        self._env = value

    def workers(self) -> list[int]:
        """The pids of the master's live children."""
        master = str(self.process.pid)
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                status = _status_fields(int(entry.name))
                if status.get("PPid") == master and not status.get("State", "").startswith("Z"):
                    pids.append(int(entry.name))
        return pids

    def one_worker(self) -> int:
        """SIGTTOU (gunicorn then stops its oldest worker); the pid of the one left, once the
        other has gone."""
        os.kill(self.process.pid, signal.SIGTTOU)
        deadline = time.monotonic() + WORKER_DEADLINE_SECONDS
        while (workers := self.workers()) and len(workers) != 1:
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn still has workers {workers} after SIGTTOU")
            time.sleep(0.05)
        if not workers:
            raise BenchError(f"gunicorn has no worker left:\n{self.log_tail()}")
        return workers[0]


def _gunicorn(env: dict[str, str], log_path: Path) -> UploadsGunicorn:
    return UploadsGunicorn(
        binary=Path(sys.executable).parent / "gunicorn", cwd=ROOT, env=env, log_path=log_path
    )


# --- the scratch database -------------------------------------------------------------------


def _scratch_url(database_url: str) -> tuple[str, str]:
    """(name, URL) of this bench's scratch database: BENCH_DATABASE_URL's, plus `_uploads`."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_uploads"
    return name, urlunsplit(parts._replace(path=f"/{name}"))


def _seed() -> list[str]:
    """USERS users and their tokens, by SQL; the tokens, in user order."""
    from bench.feeds_bench import _insert_tokens, _insert_users

    first, last = _insert_users("uploads-user-", USERS)
    user_ids = list(range(first, last + 1))
    tokens = _insert_tokens(user_ids)
    return [tokens[user_id] for user_id in user_ids]


def _forget_uploads() -> int:
    """Every upload row gone, the table vacuumed: the next round's quota checks start as this
    one's did. How many rows there were."""
    from bench.feeds_bench import _execute, _table
    from communities.models import Upload

    table = _table(Upload)
    ((count,),) = _execute(f"SELECT count(*) FROM {table}")
    _execute(f"DELETE FROM {table}")
    _execute(f"VACUUM ANALYZE {table}")
    return count


# --- files and the form ---------------------------------------------------------------------


def _write_pdf(path: Path, size: int) -> Path:
    """A file of `size` bytes that starts as a PDF does, the rest random, written CHUNK at a
    time."""
    with path.open("wb") as out:
        out.write(PDF_HEAD)
        left = size - len(PDF_HEAD)
        while left > 0:
            out.write(os.urandom(min(CHUNK, left)))
            left -= CHUNK
    return path


def _multipart(
    fields: dict[str, str], source: Path, content_type: str
) -> tuple[str, int, Iterator[bytes]]:
    """A multipart/form-data body of these fields, in this order, then the file as `file`:
    (its Content-Type, its length, a generator of its chunks). The file is read CHUNK bytes at
    a time as the body is sent, never held whole."""
    boundary = f"divan-bench-{secrets.token_hex(16)}"
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{source.name}"'
        f"\r\nContent-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks() -> Iterator[bytes]:
        yield head
        with source.open("rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk
        yield tail

    length = len(head) + source.stat().st_size + len(tail)
    return f"multipart/form-data; boundary={boundary}", length, chunks()


def _send_form(url: str, fields: dict[str, str], source: Path, content_type: str) -> float:
    """POST the form to `url` as it was given; seconds from the request's first byte until its
    204 has been read."""
    parts = urlsplit(url)
    form_type, length, body = _multipart(fields, source, content_type)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=UPLOAD_TIMEOUT_SECONDS)
    try:
        started = time.perf_counter()
        client.request(
            "POST",
            target,
            body=body,  # an iterable with a Content-Length: sent as it comes, not chunked
            headers={"Content-Type": form_type, "Content-Length": str(length)},
        )
        response = client.getresponse()
        content = response.read()
        seconds = time.perf_counter() - started
    finally:
        client.close()
    if response.status != 204:
        raise BenchError(f"POST {parts.path} answered {response.status}: {content[:300]!r}")
    return seconds


def _api(port: int, method: str, path: str, token: str, *, body=None, expected: int) -> dict:
    from bench.server import request

    status, content = request(port, method, path, token=token, body=body)
    if status != expected:
        raise BenchError(f"{method} {path} answered {status}: {content[:300]!r}")
    return json.loads(content)


@dataclass(frozen=True)
class Upload:
    send_seconds: float  # the form's POST, first byte to 204
    complete_seconds: float  # POST uploads/{id}/complete/


def _upload(port: int, token: str, source: Path) -> Upload:
    """The whole flow through the API: start (a PDF of the file's size declared), send the form
    to exactly the returned URL, complete; the upload must be `ready`."""
    started = _api(
        port,
        "POST",
        f"{API}/uploads/",
        token,
        body={"filename": source.name, "content_type": PDF, "size": source.stat().st_size},
        expected=201,
    )
    form = started["upload"]
    if urlsplit(form["url"]).port != port:
        raise BenchError(f"the upload link {form['url']} is not this server's (SITE_URL?)")
    send_seconds = _send_form(form["url"], form["fields"], source, PDF)
    before = time.perf_counter()
    done = _api(port, "POST", f"{API}/uploads/{started['id']}/complete/", token, expected=200)
    complete_seconds = time.perf_counter() - before
    if done["status"] != "ready":
        raise BenchError(f"upload {started['id']} is {done['status']}: {done.get('reason')}")
    return Upload(send_seconds, complete_seconds)


def _copy_seconds(source: Path, target: Path) -> float:
    """shutil.copyfile (no fsync, as Divan's endpoint does none): seconds."""
    started = time.perf_counter()
    shutil.copyfile(source, target)
    return time.perf_counter() - started


def _empty(directory: Path) -> None:
    shutil.rmtree(directory)
    directory.mkdir()


# --- the measurements -----------------------------------------------------------------------


@dataclass
class PresignFigures:
    presign: list = field(default_factory=list)  # http_bench.Measurement per round
    raw: list = field(default_factory=list)
    rows_per_round: list[int] = field(default_factory=list)


def _measure_presign(
    server, *, tokens_file: Path, body_file: Path, seconds: int, rounds: int
) -> PresignFigures:
    """wrk on POST uploads/ and on the minimal view, alternately, BENCH_ROUNDS times, after a
    warm-up of both workers on both paths."""
    from bench import http_bench

    jobs = {
        "presign": http_bench.Job(
            key="presign",
            label="POST uploads/",
            tool="wrk",
            script=http_bench.WRK_DIR / "post_json.lua",
            path=f"{API}/uploads/",
            args=(str(tokens_file), str(http_bench.THREADS), str(body_file)),
            reads=False,
        ),
        "raw": http_bench.Job(
            key="raw-constant",
            label="GET /bench/raw-constant/",
            tool="wrk",
            script=http_bench.WRK_DIR / "get.lua",
            path="/bench/raw-constant/",
        ),
    }
    figures = PresignFigures()
    for job in jobs.values():
        http_bench.run_wrk(job, port=server.port, seconds=http_bench.WARM_UP_SECONDS, round_index=0)
        server.drain()
    _forget_uploads()
    for round_index in range(rounds):
        for key, job in jobs.items():
            m = http_bench.run_wrk(job, port=server.port, seconds=seconds, round_index=round_index)
            server.drain()
            getattr(figures, key).append(m)
            print(
                f"  round {round_index + 1}/{rounds} {job.label:<24} {m.requests_per_second:8.1f}"
                f" req/s  p50 {m.p50_ms:6.1f} ms  p99 {m.p99_ms:6.1f} ms  non-2xx {m.non_2xx}"
                + (f"  socket errors {m.socket_errors}" if m.socket_errors else ""),
                flush=True,
            )
            if m.non_2xx:
                raise BenchError(f"{job.label}: {m.non_2xx} non-2xx answers under load")
        figures.rows_per_round.append(_forget_uploads())
    return figures


@dataclass
class ThroughputFigures:
    size: int
    divan: list[Upload] = field(default_factory=list)
    copy_seconds: list[float] = field(default_factory=list)

    def divan_mb_s(self) -> list[float]:
        return [self.size / MB / upload.send_seconds for upload in self.divan]

    def copy_mb_s(self) -> list[float]:
        return [self.size / MB / seconds for seconds in self.copy_seconds]


def _measure_throughput(
    server, *, token: str, source: Path, store: Path, rounds: int
) -> ThroughputFigures:
    """Per round: the file through the API and the local endpoint, then copied on the same
    filesystem; the store emptied after each, so that no round writes beside the last's files.
    One upload first, not counted."""
    figures = ThroughputFigures(source.stat().st_size)
    _upload(server.port, token, source)
    _empty(store)
    for round_index in range(rounds):
        figures.divan.append(_upload(server.port, token, source))
        figures.copy_seconds.append(_copy_seconds(source, store / "raw-copy"))
        _empty(store)
        print(
            f"  round {round_index + 1}/{rounds}: Divan {figures.divan_mb_s()[-1]:,.0f} MB/s"
            f" ({figures.divan[-1].send_seconds * 1000:,.0f} ms, complete/"
            f" {figures.divan[-1].complete_seconds * 1000:.1f} ms); copyfile"
            f" {figures.copy_mb_s()[-1]:,.0f} MB/s",
            flush=True,
        )
    return figures


@dataclass(frozen=True)
class MemoryFigures:
    size: int
    hwm_before_kib: int
    hwm_after_kib: int
    rss_before_kib: int
    rss_after_kib: int
    send_seconds: float

    @property
    def hwm_growth_mib(self) -> float:
        return (self.hwm_after_kib - self.hwm_before_kib) / 1024

    @property
    def rss_growth_mib(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / 1024


def _memory(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of the process, in KiB."""
    status = _status_fields(pid)
    if "VmHWM" not in status:
        raise BenchError(f"process {pid} is gone")
    return _kib(status["VmHWM"]), _kib(status["VmRSS"])


def _measure_memory(
    env: dict[str, str], *, token: str, warm: Path, sources: dict[int, Path], run_dir: Path
) -> list[MemoryFigures]:
    """Per size, a fresh gunicorn dropped to one worker, warmed by a WARM_SIZE upload (its
    first requests' imports and caches); the worker's VmHWM and VmRSS before and after one
    upload of that size."""
    results = []
    for size, source in sources.items():
        server = _gunicorn(
            {**env, "UPLOAD_MAX_BYTES": str(MEMORY_MAX_BYTES)},
            run_dir / f"gunicorn-memory-{size // MIB}.log",
        )
        with server:
            try:
                pid = server.one_worker()
                _upload(server.port, token, warm)
                hwm_before, rss_before = _memory(pid)
                upload = _upload(server.port, token, source)
                hwm_after, rss_after = _memory(pid)
                if server.workers() != [pid]:
                    raise BenchError(f"worker {pid} was replaced during the upload")
            except BenchError as error:
                raise BenchError(f"{error}\ngunicorn's log ends:\n{server.log_tail()}") from None
        figures = MemoryFigures(
            size, hwm_before, hwm_after, rss_before, rss_after, upload.send_seconds
        )
        results.append(figures)
        print(
            f"  {size // MIB:>4} MiB: worker {pid} VmHWM {hwm_before / 1024:.1f} ->"
            f" {hwm_after / 1024:.1f} MiB, VmRSS {rss_before / 1024:.1f} ->"
            f" {rss_after / 1024:.1f} MiB ({size / MB / upload.send_seconds:,.0f} MB/s)",
            flush=True,
        )
    return results


# --- the report -----------------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _report(
    *,
    presign: PresignFigures,
    throughput: ThroughputFigures,
    memory: list[MemoryFigures],
    rounds: int,
) -> list[str]:
    """The table's lines; the last one says whether every check held."""
    from bench import http_bench

    missed: list[str] = []
    ours, raw = presign.presign, presign.raw
    ratio = median(
        [o.requests_per_second / r.requests_per_second for o, r in zip(ours, raw, strict=True)]
    )
    non_2xx = sum(m.non_2xx for m in ours)
    socket_errors = sum(m.socket_errors for m in (*ours, *raw))
    if non_2xx:
        missed.append("presign non-2xx")
    lines = [
        f"presign over HTTP (gunicorn -w 2 sync, wrk -t{http_bench.THREADS}"
        f" -c{http_bench.CONNECTIONS}, {USERS} users' tokens, medians of {rounds} rounds)",
        f"  POST uploads/ {median([m.requests_per_second for m in ours]):>8,.1f} req/s"
        f" p50 {median([m.p50_ms for m in ours]):5.1f} ms"
        f" p99 {median([m.p99_ms for m in ours]):5.1f} ms non-2xx {non_2xx}"
        f" | minimal DRF view {median([m.requests_per_second for m in raw]):>8,.1f} req/s"
        f" p50 {median([m.p50_ms for m in raw]):5.1f} ms"
        f" p99 {median([m.p99_ms for m in raw]):5.1f} ms | ratio {ratio:4.2f}"
        f"  (every answer 2xx: {_verdict(not non_2xx)})",
        f"  each round wrote {', '.join(f'{rows:,}' for rows in presign.rows_per_round)} pending"
        f" uploads (about {median(presign.rows_per_round) / USERS:,.0f} per user by its end,"
        " every one counted by the quota check); the table was emptied between rounds"
        + (f"; wrk socket errors {socket_errors}" if socket_errors else ""),
    ]

    size_mib = throughput.size // MIB
    divan = median(throughput.divan_mb_s())
    copy = median(throughput.copy_mb_s())
    upload_ratio = median(
        [d / c for d, c in zip(throughput.divan_mb_s(), throughput.copy_mb_s(), strict=True)]
    )
    send_ms = median([upload.send_seconds * 1000 for upload in throughput.divan])
    complete_ms = median([upload.complete_seconds * 1000 for upload in throughput.divan])
    lines += [
        f"upload of a {size_mib} MiB file to the local store's endpoint (POST upload.url with"
        f" upload.fields, then the file streamed from disk; first byte to 204; medians of"
        f" {rounds} rounds; MB = 10^6 bytes)",
        f"  Divan {divan:>7,.0f} MB/s ({send_ms:,.0f} ms)"
        f" | shutil.copyfile on the same filesystem {copy:>7,.0f} MB/s"
        f" ({median(throughput.copy_seconds) * 1000:,.0f} ms) | ratio {upload_ratio:4.2f}"
        "  (neither fsyncs; the source file is in the page cache for both)",
        f"  then complete/ (size, type from the first bytes, move out of tmp/) answered ready in"
        f" {complete_ms:.1f} ms",
    ]

    growths = [figures.hwm_growth_mib for figures in memory]
    flat = max(growths) < FLAT_MIB
    if not flat:
        missed.append("memory flat in the file's size")
    lines.append(
        f"web worker memory over one upload (a fresh gunicorn per size, one worker, warmed by a"
        f" {WARM_SIZE // MIB} MiB upload; UPLOAD_MAX_BYTES {MEMORY_MAX_BYTES // MIB} MiB;"
        " VmHWM is its peak resident memory)"
    )
    for figures in memory:
        lines.append(
            f"  {figures.size // MIB:>4} MiB  peak (VmHWM) +{figures.hwm_growth_mib:5.1f} MiB"
            f" (to {figures.hwm_after_kib / 1024:6.1f} MiB), VmRSS"
            f" {figures.rss_growth_mib:+5.1f} MiB, at"
            f" {figures.size / MB / figures.send_seconds:,.0f} MB/s"
        )
    lines.append(
        f"  flat in the file's size (peak growth < {FLAT_MIB:.0f} MiB at every size, largest"
        f" {max(growths):.1f} MiB): {_verdict(flat)}"
    )
    lines.append(f"checks missed: {', '.join(missed)}" if missed else "checks: all held")
    return lines


# --- the run --------------------------------------------------------------------------------


def main() -> int:
    from bench import http_bench

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    knobs = http_bench.Knobs.from_environment()
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (scripts/apt-ensure wrk=wrk)")
    name, url = _scratch_url(knobs.database_url)
    work_dir = Path(tempfile.mkdtemp(prefix="divan-bench-uploads-"))
    try:
        return _run(knobs, name=name, url=url, work_dir=work_dir, started=started)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _run(knobs, *, name: str, url: str, work_dir: Path, started: float) -> int:
    from bench import http_bench

    store, run_dir = work_dir / "store", work_dir / "run"
    store.mkdir()
    run_dir.mkdir()
    http_bench.configure_environment(knobs)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "REDIS_KEY_PREFIX": REDIS_PREFIX,
            "CELERY_TASK_DEFAULT_QUEUE": REDIS_PREFIX,
            "AWS_STORAGE_BUCKET_NAME": "",  # the local store
            "UPLOADS_LOCAL_ROOT": str(store),
            "UPLOAD_QUOTA_PENDING": str(RAISED_QUOTA_PENDING),
            "UPLOAD_QUOTA_BYTES_PER_DAY": str(RAISED_QUOTA_BYTES_PER_DAY),
        }
    )
    env = dict(os.environ)

    import django

    django.setup()

    from django.conf import settings

    from bench.feeds_bench import _create_database, _drop_database
    from divan.redis import get_redis, redis_key

    print(
        f"Uploads on {name} (BENCH_SECONDS={knobs.seconds}, BENCH_ROUNDS={knobs.rounds})",
        flush=True,
    )
    client = get_redis()
    try:
        http_bench._clear_redis(client, redis_key(""))
        _create_database(name)
        tokens = _seed()
        tokens_file = run_dir / "users.tokens"
        tokens_file.write_text("\n".join(tokens) + "\n")
        body_file = run_dir / "presign.json"
        body_file.write_text(json.dumps(PRESIGN_BODY))
        files = run_dir / "files"
        files.mkdir()
        source = _write_pdf(files / f"bench-{THROUGHPUT_SIZE // MIB}mib.pdf", THROUGHPUT_SIZE)
        warm = _write_pdf(files / "bench-warm.pdf", WARM_SIZE)
        sources = {
            size: source
            if size == THROUGHPUT_SIZE
            else _write_pdf(files / f"bench-{size // MIB}mib.pdf", size)
            for size in MEMORY_SIZES
        }
        prepared = time.perf_counter() - started
        print(
            f"  database created and migrated, {USERS} users and tokens, files written, in"
            f" {prepared:.0f} s",
            flush=True,
        )
        header = [
            *http_bench._machine(),
            f"settings: bench.settings (config.settings.prod + raw views), REDIS_KEY_PREFIX"
            f" {settings.REDIS_KEY_PREFIX}; the local store (no AWS_STORAGE_BUCKET_NAME) in a"
            f" temporary directory; UPLOAD_QUOTA_PENDING {settings.UPLOAD_QUOTA_PENDING:,},"
            f" UPLOAD_QUOTA_BYTES_PER_DAY {settings.UPLOAD_QUOTA_BYTES_PER_DAY:.0e},"
            f" THROTTLE_*_RATE {http_bench.THROTTLE_RATE}, UPLOAD_MAX_BYTES"
            f" {settings.UPLOAD_MAX_BYTES // MIB} MiB (raised to {MEMORY_MAX_BYTES // MIB} MiB"
            " for the memory runs)",
        ]
        for line in header:
            print(line, flush=True)

        server = _gunicorn(env, run_dir / "gunicorn.log")
        with server:
            print(f"presign: gunicorn on 127.0.0.1:{server.port}", flush=True)
            try:
                _api(server.port, "POST", f"{API}/uploads/", tokens[0], body=PRESIGN_BODY,
                     expected=201)  # fmt: skip
                presign = _measure_presign(
                    server,
                    tokens_file=tokens_file,
                    body_file=body_file,
                    seconds=knobs.seconds,
                    rounds=knobs.rounds,
                )
                print(f"upload throughput ({THROUGHPUT_SIZE // MIB} MiB)", flush=True)
                throughput = _measure_throughput(
                    server, token=tokens[0], source=source, store=store, rounds=knobs.rounds
                )
            except BenchError as error:
                raise BenchError(f"{error}\ngunicorn's log ends:\n{server.log_tail()}") from None
        print("memory: one worker, a fresh gunicorn per size", flush=True)
        memory = _measure_memory(env, token=tokens[0], warm=warm, sources=sources, run_dir=run_dir)
        lines = _report(presign=presign, throughput=throughput, memory=memory, rounds=knobs.rounds)
    finally:
        http_bench._clear_redis(client, redis_key(""))
        _drop_database(name)

    print()
    for line in header:
        print(line)
    print()
    for line in lines:
        print(line)
    print(f"whole run: {time.perf_counter() - started:.0f} s, of which preparing {prepared:.0f} s")
    return 0
