"""The load client of `python -m bench --live`: many SSE streams held by one process of its own
(`python -m bench.live_client`, uvloop, a protocol per connection, httptools reading the
chunked body), told what to do by JSON lines on stdin and answering on stdout, one line per
command:

- {"op": "open", "port": P, "count": N, "tokens": [...] | null}: open N streams (the i-th
  signed in with tokens[i]), each read until its `ready` event; answers how many are held and
  why the others failed;
- {"op": "keep", "count": K}: close all but the first K held (by the order asked), answering
  which were kept;
- {"op": "wait", "n": N, "timeout": S}: answer once every held stream has had message N (or S
  seconds pass);
- {"op": "record"}: from now on keep each message's delay (its receipt time minus the `t` it
  carries, time.time() of the publisher on this machine), and count the messages;
- {"op": "report"}: those delays in ms, the messages counted, this process's CPU seconds;
- {"op": "exit"}.

Messages are SSE events whose data is `{"n": <sequence>, "t": <seconds>}`; a `reset` event or a
closed connection ends a stream (counted as dropped)."""

import asyncio
import json
import resource
import sys
import time
from collections import Counter

import httptools

PARALLEL_OPENS = 200  # connections being opened at once (the listen backlog is 2048)
OPEN_TIMEOUT_SECONDS = 60


class SseEvents:
    """SSE events out of a stream's body as it arrives, in pieces cut anywhere: (event, data)
    for each whole event; comment lines and `retry:`-only blocks give nothing."""

    def __init__(self):
        self.tail = b""

    def feed(self, body: bytes) -> list[tuple[str, bytes]]:
        text = self.tail + body if self.tail else body
        end = text.rfind(b"\n\n")
        if end < 0:
            self.tail = text
            return []
        self.tail = text[end + 2 :]
        events = []
        for block in text[:end].split(b"\n\n"):
            kind, data = None, None
            for line in block.split(b"\n"):
                if line.startswith(b"event: "):
                    kind = line[7:].decode()
                elif line.startswith(b"data: "):
                    data = line[6:]
            if kind is not None or data is not None:
                events.append((kind or "message", data or b""))
        return events


class Connection(asyncio.Protocol):
    def __init__(self, client: "Client", index: int, request: bytes):
        self.client, self.index, self.request = client, index, request
        self.parser = httptools.HttpResponseParser(self)
        self.events = SseEvents()
        self.ready = asyncio.get_running_loop().create_future()
        self.transport = None
        self.status = 0
        self.last = -1  # the highest message number received
        self.ended = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.end("unparsable")

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        if self.status != 200:  # the answer's detail tells why
            self.end(f"status {self.status}: {body[:100].decode(errors='replace')}")
            return
        now = time.time()
        for kind, data in self.events.feed(body):
            if kind == "ready":
                if not self.ready.done():
                    self.ready.set_result(True)
            elif kind == "reset":
                self.end("reset")
            elif data.startswith(b'{"n":'):
                message = json.loads(data)
                self.client.received(self, message["n"], now - message["t"])

    def connection_lost(self, exc) -> None:
        self.end("closed")

    def end(self, reason: str) -> None:
        if self.ended:
            return
        self.ended = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(reason))
        elif not self.client.closing:
            self.client.dropped(self, reason)
        if self.transport is not None:
            self.transport.close()


class Client:
    def __init__(self):
        self.connections: list[Connection] = []
        self.recording = False
        self.delays: list[float] = []
        self.counted = 0
        self.target = -1
        self.pending = 0  # held streams that have not had message `target` yet
        self.done: asyncio.Future | None = None
        self.drops: Counter = Counter()
        self.closing = False

    # --- what the connections report
    def received(self, connection: Connection, n: int, delay: float) -> None:
        if self.recording:
            self.counted += 1
            self.delays.append(delay * 1000)
        if connection.last < self.target <= n:
            self._one_less()
        connection.last = n

    def dropped(self, connection: Connection, reason: str) -> None:
        self.drops[reason] += 1
        if connection.last < self.target:
            self._one_less()

    def _one_less(self) -> None:
        self.pending -= 1
        if self.pending == 0 and self.done is not None and not self.done.done():
            self.done.set_result(True)

    # --- the commands
    async def open(self, port: int, count: int, tokens: list[str] | None) -> dict:
        loop = asyncio.get_running_loop()
        failures: Counter = Counter()
        gate = asyncio.Semaphore(PARALLEL_OPENS)
        started = time.perf_counter()

        async def one(index: int) -> None:
            auth = f"Authorization: Token {tokens[index]}\r\n" if tokens else ""
            request = (f"GET /api/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Accept: text/event-stream\r\n{auth}\r\n").encode()  # fmt: skip
            async with gate:
                try:
                    _, connection = await asyncio.wait_for(
                        loop.create_connection(
                            lambda: Connection(self, index, request), "127.0.0.1", port
                        ),
                        OPEN_TIMEOUT_SECONDS,
                    )
                    await asyncio.wait_for(asyncio.shield(connection.ready), OPEN_TIMEOUT_SECONDS)
                except (OSError, ConnectionError, TimeoutError) as error:
                    failures[type(error).__name__ + f" {error}"[:80]] += 1
                    return
            self.connections.append(connection)

        await asyncio.gather(*(one(index) for index in range(count)))
        seconds = time.perf_counter() - started
        held = [c for c in self.connections if not c.ended]
        return {"held": len(held), "failed": dict(failures), "seconds": seconds}

    def keep(self, count: int) -> dict:
        """Close all but the first `count` streams held, in the order they were asked for; the
        indexes of those kept (the i-th stream signed in with the i-th token)."""
        self.closing = True
        held = sorted((c for c in self.connections if not c.ended), key=lambda c: c.index)
        for connection in held[count:]:
            connection.end("closed by the bench")
        self.connections = held[:count]
        self.closing = False
        return {"held": len(self.connections), "kept": [c.index for c in self.connections]}

    async def wait(self, n: int, timeout: float) -> dict:
        self.target = n
        self.pending = sum(1 for c in self.connections if not c.ended and c.last < n)
        self.done = asyncio.get_running_loop().create_future()
        if self.pending == 0:
            self.done.set_result(True)
        try:
            await asyncio.wait_for(self.done, timeout)
        except TimeoutError:
            lacking = [c.index for c in self.connections if not c.ended and c.last < n]
            return {"n": n, "pending": self.pending, "timed_out": True, "lacking": lacking[:20]}
        return {"n": n, "pending": 0}

    def report(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        answer = {
            "delays_ms": self.delays,
            "counted": self.counted,
            "dropped": dict(self.drops),
            "held": sum(1 for c in self.connections if not c.ended),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }
        self.recording, self.delays, self.counted = False, [], 0
        return answer


def raise_open_files_limit() -> int:
    """The soft limit of open files raised to the hard one; the limit now."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def serve() -> None:
    loop = asyncio.get_running_loop()
    client = Client()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        command = json.loads(line)
        op = command["op"]
        if op == "open":
            answer = await client.open(command["port"], command["count"], command.get("tokens"))
        elif op == "keep":
            answer = client.keep(command["count"])
        elif op == "wait":
            answer = await client.wait(command["n"], command.get("timeout", 30))
        elif op == "record":
            client.recording, client.delays, client.counted = True, [], 0
            answer = {"recording": True}
        elif op == "report":
            answer = client.report()
        elif op == "exit":
            client.keep(0)
            answer = {"exit": True}
        else:
            answer = {"error": f"unknown op {op!r}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if op == "exit":
            return


def main() -> None:
    import uvloop

    raise_open_files_limit()
    uvloop.run(serve())


if __name__ == "__main__":
    main()
