"""The stream process under test: a real uvicorn on a free port, on the run's database and Redis
keys, and a client that reads its events as a browser's EventSource would."""

import contextlib
import http.client
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass

import pytest

from tests.events.processes import Stream, wait_until


@dataclass(frozen=True)
class Message:
    id: str | None
    event: str
    data: dict


class SseClient:
    """One stream, read in a thread of its own into `messages` (what a browser would get, ids
    included), or not read at all (`read=False`: a client that has stopped reading)."""

    def __init__(self, port: int, *, token: str | None = None, cookie: str | None = None,
                 last_id: str | None = None, query_last_id: str | None = None, posts=(),
                 read: bool = True,
                 receive_buffer: int | None = None):  # fmt: skip
        self.messages: list[Message] = []
        self.comments = 0
        self.ended = threading.Event()
        sock = socket.socket()
        if receive_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.settimeout(30)
        sock.connect(("127.0.0.1", port))
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.connection.sock = sock
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = f"Token {token}"
        if cookie:
            headers["Cookie"] = cookie
        if last_id:
            headers["Last-Event-ID"] = last_id
        query = {"posts": ",".join(map(str, posts))} if posts else {}
        if query_last_id:
            query["last_event_id"] = query_last_id
        path = "/api/stream/" + (f"?{urllib.parse.urlencode(query, safe=',')}" if query else "")
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        if self.status != 200:
            self.body = json.loads(self.response.read())
            self.ended.set()
        elif read:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                line = line.decode().rstrip("\n")
                if line.startswith(":"):
                    self.comments += 1
                elif line == "":
                    if "event" in fields:
                        data = json.loads(fields["data"])
                        self.messages.append(Message(fields.get("id"), fields["event"], data))
                    fields = {}
                else:
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            return
        finally:
            self.ended.set()

    def of(self, event: str) -> list[Message]:
        return [message for message in self.messages if message.event == event]

    def wait_for(self, count: int, event: str | None = None, timeout: float = 10) -> list:
        """The first `count` messages (of `event`), once they are here."""

        def arrived():
            mine = self.of(event) if event else list(self.messages)
            return mine[:count] if len(mine) >= count else None

        got = f"got {len(self.messages)}, the last: {[m.event for m in self.messages[-5:]]}"
        return wait_until(arrived, timeout=timeout, message=f"{count} {event or ''}; {got}")

    @property
    def last_id(self) -> str | None:
        return next((m.id for m in reversed(self.messages) if m.id), None)

    def close(self) -> None:
        """The client goes away (a closed tab, a dropped network)."""
        with contextlib.suppress(OSError, AttributeError):
            self.connection.sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def stream_server(django_db_setup, django_db_blocker):
    """One stream process for the module's tests."""
    with django_db_blocker.unblock():
        server = Stream(LIVE_HEARTBEAT_SECONDS="1").start()
    yield server
    server.kill()


@pytest.fixture
def connect(stream_server):
    """Opens streams to the module's stream process; closed after the test."""
    clients: list[SseClient] = []

    def open_stream(**options) -> SseClient:
        client = SseClient(stream_server.port, **options)
        clients.append(client)
        return client

    yield open_stream
    for client in clients:
        client.close()
