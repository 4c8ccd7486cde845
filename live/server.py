"""The stream process: `GET /api/stream/` as Server-Sent Events, an ASGI application of its own
under uvicorn, beside gunicorn (which serves the rest of the API as before).

Why plain ASGI, not a Django view: Django's ASGI handler runs each request in a context of its
own whose synchronous parts (middleware, ORM calls) get a thread for the life of the request,
and a stream lives for hours: ten thousand clients would hold ten thousand threads. Here one
event loop holds every connection; what needs PostgreSQL runs in LIVE_DB_THREADS threads shared
by all of them (live/access.py), a statement for many people at once.

One `Hub` per process holds the one Redis Pub/Sub connection every client shares: it subscribes
to a person's channel while they have a connection here, reads what is published, asks in one
statement per batch who may see each message (live/access.py), and hands it to each of the
person's connections. A `Stream` is one client: it subscribes before it reads the person's
buffer (live/channels.py), so that a message published meanwhile is read one way or the other,
and lets through only ids newer than the last it sent. It sends a comment line every
LIVE_HEARTBEAT_SECONDS; a client that falls LIVE_QUEUE_MAX messages behind is sent a `reset`
and dropped, and a write that takes LIVE_SEND_TIMEOUT_SECONDS drops it at once. Both clocks are
the hub's one watch loop, not a timer per wait and per write: two uvloop timers for each message
sent were a third of the process's CPU per message (`make bench-live`).
"""

import asyncio
import contextlib
import json
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from divan.processes import heartbeat, heartbeat_stop, member_name
from live import access, channels
from live.metrics import STREAM_KIND, connections_end, connections_report, counters

logger = logging.getLogger(__name__)

PATH = "/api/stream/"
DB_THREADS = 2
# Redis connections the hub's commands share (its subscription holds one); a command that finds
# them all busy waits for one, up to REDIS_WAIT_SECONDS (then the stream is a 503)
REDIS_CONNECTIONS = 32
REDIS_WAIT_SECONDS = 5
BATCH_MAX = 500
RETRY_MS = 2000
END = {"type": "http.response.body", "body": b"", "more_body": False}
WATCH_SECONDS = 1.0  # how often the watch loop looks (at most half LIVE_HEARTBEAT_SECONDS)


def stream_id(entry_id: str) -> tuple[int, int]:
    """A Redis stream id as a tuple that orders as the ids do; (-1, -1) for what is none."""
    milliseconds, _, sequence = entry_id.partition("-")
    try:
        return int(milliseconds), int(sequence or 0)
    except ValueError:
        return (-1, -1)


def sse(kind: str, data: str, entry_id: str | None = None) -> bytes:
    head = f"id: {entry_id}\n" if entry_id else ""
    return f"{head}event: {kind}\ndata: {data}\n\n".encode()


class Refused(Exception):
    def __init__(self, status: int, detail: str, headers: tuple = ()):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


class Stream:
    """One client's stream: what is queued for it, and where it is."""

    def __init__(self, credential: access.Credential, posts: list[int]):
        self.credential = credential
        self.user_id = credential.user_id
        self.posts = posts
        self.queue: deque[tuple[str, str, str]] = deque()
        self.wake = asyncio.Event()
        self.last_id = (0, 0)
        self.overflowed = False
        self.ended = False
        self.started = False  # its answer's head is sent
        self.task: asyncio.Task | None = None  # the one writing to the client
        self.last_write = time.monotonic()
        self.writing_since: float | None = None  # while a write waits for the client
        self.ping = False  # the watch loop's: send a comment line if there is nothing else
        self.stuck = False  # the watch loop's: the write waited too long, the stream ends

    def offer(self, entry_id: str, kind: str, data: str) -> None:
        """A message for this client, from the hub (in stream order)."""
        if self.ended or self.overflowed:
            return
        if len(self.queue) >= settings.LIVE_QUEUE_MAX:
            self.overflowed = True  # what it holds goes: the client reads again from a reset
            self.queue.clear()
        else:
            self.queue.append((entry_id, kind, data))
        self.wake.set()

    def end(self) -> None:
        self.ended = True
        self.wake.set()


class Hub:
    """The process's connections by person, and the one Redis subscription they share."""

    def __init__(self):
        self.streams: dict[int, set[Stream]] = {}
        self.count = 0
        self.executor = ThreadPoolExecutor(DB_THREADS, thread_name_prefix="live-db")
        # A blocking pool: when a restart's clients all come back at once, each new stream's
        # commands wait their turn; redis-py's default pool refuses the 101st command in flight
        # (MaxConnectionsError), a 503 for every stream past it.
        self.redis = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                settings.REDIS_URL,
                max_connections=REDIS_CONNECTIONS,
                timeout=REDIS_WAIT_SECONDS,
                decode_responses=True,
                socket_connect_timeout=3,
            )
        )
        self.pubsub = None
        self.listener = None
        self.subscribed: dict[str, asyncio.Future] = {}
        self.subscribing: dict[str, int] = {}  # SUBSCRIBEs sent and not yet confirmed
        self.auth_changed: dict[int, float] = {}  # person: when their sign-ins last changed
        self.tasks: list[asyncio.Task] = []
        self.background: set[asyncio.Task] = set()
        self.member = f"{member_name()}:stream"
        self.up = asyncio.Event()
        self.closing = False

    async def db(self, function: Callable, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: function(*args, **kwargs))

    # --- life
    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._tick()),
            asyncio.create_task(self._watch()),
        ]

    async def stop(self) -> None:
        for stream in self.all_streams():
            stream.end()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        try:
            await self.db(connections_end, self.member)
        except redis.RedisError as error:
            logger.warning("live: the last counts were not written (%s)", error)
        await self.db(heartbeat_stop, STREAM_KIND, self.member)
        await self.redis.aclose()
        if self.listener is not None:
            await self.listener.aclose()
        self.executor.shutdown(wait=False)

    def close(self) -> None:
        """The server is asked to stop: every stream ends now, its client to come back with
        Last-Event-ID to whichever stream process answers, and none is taken in."""
        self.closing = True
        for stream in self.all_streams():
            stream.end()

    def all_streams(self) -> list[Stream]:
        return [stream for streams in self.streams.values() for stream in streams]

    # --- connections
    async def add(self, stream: Stream) -> None:
        """Take the stream in, subscribed to its person's channel once this returns."""
        if self.closing or not self.up.is_set():
            raise Refused(503, "Live updates are not available right now. Try again shortly.")
        if self.count >= settings.LIVE_CONNECTIONS_PER_PROCESS:
            raise Refused(503, "This server holds as many streams as it may. Try again shortly.")
        theirs = self.streams.setdefault(stream.user_id, set())
        if len(theirs) >= settings.LIVE_CONNECTIONS_PER_USER:
            if not theirs:
                del self.streams[stream.user_id]
            raise Refused(429, "You have too many live streams open. Close a tab and retry.")
        theirs.add(stream)
        self.count += 1
        try:
            await self._subscribe(channels.channel(stream.user_id))
            await self._seen([stream])
        except (TimeoutError, redis.RedisError, OSError) as error:
            self.remove(stream)
            raise Refused(503, "Live updates are not available right now.") from error

    async def _subscribe(self, name: str) -> None:
        """Subscribe, and wait until Redis says so: a message published after this returns
        reaches the hub."""
        waiting = self.subscribed.get(name)
        if waiting is None:
            waiting = self.subscribed[name] = asyncio.get_running_loop().create_future()
            self.subscribing[name] = self.subscribing.get(name, 0) + 1
            await self.pubsub.subscribe(name)
        await asyncio.wait_for(asyncio.shield(waiting), timeout=5)

    def _subscribed(self, name: str) -> None:
        """Redis confirmed a SUBSCRIBE to `name`: the wait ends at the confirmation of the last
        one sent (an earlier one's, late after an unsubscribe, must not end a newer wait)."""
        left = self.subscribing.get(name, 0) - 1
        if left > 0:
            self.subscribing[name] = left
            return
        self.subscribing.pop(name, None)
        waiting = self.subscribed.get(name)
        if waiting is not None and not waiting.done():
            waiting.set_result(True)

    def remove(self, stream: Stream) -> None:
        theirs = self.streams.get(stream.user_id)
        if not theirs or stream not in theirs:
            return
        theirs.discard(stream)
        self.count -= 1
        if not theirs:
            del self.streams[stream.user_id]
            name = channels.channel(stream.user_id)
            self.subscribed.pop(name, None)
            if self.pubsub is not None:
                task = asyncio.create_task(self._unsubscribe(name))
                self.background.add(task)
                task.add_done_callback(self.background.discard)

    async def _unsubscribe(self, name: str) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            if name not in self.subscribed:  # nobody came back meanwhile
                await self.pubsub.unsubscribe(name)

    # --- reading the channels
    async def _read(self) -> None:
        """Read the subscription for as long as the process lives; when Redis fails, every
        client is sent a reset and dropped (they come back and read afresh), and the reading
        starts again, doubling its wait up to 30 s. Its client never retries by itself: a
        subscription quietly made again would have missed what was published meanwhile."""
        backoff = 0.5
        self.listener = listener = aioredis.Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            socket_connect_timeout=3,
            retry=Retry(NoBackoff(), 0),
        )
        while True:
            try:
                self.pubsub = listener.pubsub()
                await self.pubsub.subscribe(channels.channel("process"))  # a connection now
                self.up.set()
                backoff = 0.5
                while True:
                    batch = await self._batch()
                    if batch:
                        await self._deliver_or_resume(batch)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - Redis gone (or a bug): no stream goes on
                logger.warning("live: the subscription failed (%s); resetting every client", error)
                self.up.clear()
                counters.later("resets", len(self.all_streams()))
                for stream in self.all_streams():
                    stream.overflowed = True  # a reset, then the end
                    stream.wake.set()
                for waiting in self.subscribed.values():
                    if not waiting.done():
                        waiting.set_exception(ConnectionError("Redis failed"))
                self.subscribed = {}
                self.subscribing = {}
                with contextlib.suppress(Exception):
                    await self.pubsub.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _batch(self) -> list[tuple[int, str, str, dict, str]]:
        """The messages published since the last batch: waits for one, then takes whatever
        else has arrived (up to BATCH_MAX) without waiting."""
        batch = []
        message = await self.pubsub.get_message(timeout=1.0)
        while message is not None:
            if message["type"] == "subscribe":
                self._subscribed(message["channel"])
            elif message["type"] == "message":
                try:
                    user_id = channels.user_of_channel(message["channel"])
                    batch.append((user_id, *channels.parse_published(message["data"])))
                except ValueError:  # not a person's channel, or not a message of ours
                    logger.warning("live: ignored %r on %s", message["data"], message["channel"])
            if len(batch) >= BATCH_MAX:
                break  # before reading another: one read and not kept would be lost
            message = await self.pubsub.get_message(timeout=0)
        return batch

    async def _deliver_or_resume(self, batch: list) -> None:
        """Deliver the batch; when that fails (PostgreSQL away a moment, a message not of ours),
        the streams of its people end without a reset: their clients come back with their last
        id and read the batch from their buffers, checked again. Only the subscription's own
        failure (Redis) ends every stream."""
        try:
            await self._deliver(batch)
        except Exception:  # the subscription goes on for everyone else
            logger.exception(
                "live: a batch of %d was not delivered; its streams resume", len(batch)
            )
            for user_id, *_ in batch:
                for stream in self.streams.get(user_id, ()):
                    stream.end()

    async def _deliver(self, batch: list[tuple[int, str, str, dict, str]]) -> None:
        """Each message to its person's streams here, if they may see it now: one question of
        PostgreSQL per subject in the batch."""
        by_subject: dict[tuple, set[int]] = {}
        for user_id, _id, kind, _about, data in batch:
            if kind == channels.AUTH:
                await self._sign_ins_changed(user_id, json.loads(data))
        # (message, its subject) of those for someone here: the subject named once per message
        kept = [
            (message, _subject(message[3]))
            for message in batch
            if message[2] != channels.AUTH and message[0] in self.streams
        ]
        for (user_id, *_), subject in kept:
            by_subject.setdefault(subject, set()).add(user_id)
        allowed = {}
        for subject, user_ids in by_subject.items():
            allowed[subject] = await self.readers(sorted(user_ids), dict(subject))
        for (user_id, entry_id, kind, _about, data), subject in kept:
            if user_id not in allowed[subject] or user_id not in self.streams:
                continue  # may not see it, or gone meanwhile
            if kind == channels.NOTIFICATION:
                data = None  # read by the stream's own task when it sends: not on this loop
            for stream in list(self.streams.get(user_id, ())):
                stream.offer(entry_id, kind, data)

    async def readers(self, user_ids: list[int], about: dict) -> set[int]:
        """Who of `user_ids` may see a message about `about` now (access.readers); a scope that
        is not of ours is nobody's. PostgreSQL's own failure raises: the streams resume later."""
        try:
            return await self.db(access.readers, user_ids, about)
        except (ValueError, TypeError, AttributeError):
            logger.warning("live: a message about %r sent to nobody", about)
            return set()

    async def _sign_ins_changed(self, user_id: int, data: dict) -> None:
        """A person's sign-ins changed: the streams of a session signed out end at once (its
        row is not gone yet); the others are checked; and a stream of theirs signing in right
        now is checked once it is in (StreamApp._stream)."""
        self.auth_changed[user_id] = time.monotonic()
        streams = list(self.streams.get(user_id, ()))
        ended = data.get("session")
        for stream in streams:
            kind, key = stream.credential.kind, stream.credential.key
            if kind == access.SESSION and channels.credential_hash(key) == ended:
                counters.later("ended_signed_out")
                stream.end()
        await self.check_signed_in(streams)

    async def check_signed_in(self, streams) -> None:
        """End the streams whose sign-in no longer holds (signed out, token revoked)."""
        streams = [stream for stream in streams if not stream.ended]
        if not streams:
            return
        valid = await self.db(access.still_signed_in, [s.credential for s in streams])
        for stream in streams:
            if stream.credential not in valid:
                counters.later("ended_signed_out")
                stream.end()

    # --- every few seconds
    async def _tick(self) -> None:
        """Say this process is alive and who is connected to it (for the consumer's "present"
        and "viewing"), with the counts for /metrics; check every sign-in now and then."""
        checked = time.monotonic()
        while True:
            try:
                await self._seen(self.all_streams())
                await self.db(heartbeat, STREAM_KIND, self.member)
                await self.db(connections_report, self.member, self.count)
                if time.monotonic() - checked >= settings.LIVE_AUTH_CHECK_SECONDS:
                    checked = time.monotonic()
                    await self.check_signed_in(self.all_streams())
                    self.auth_changed = {  # a sign-in takes less than this: older ones are moot
                        user_id: at
                        for user_id, at in self.auth_changed.items()
                        if checked - at < settings.LIVE_AUTH_CHECK_SECONDS
                    }
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the next beat tries again
                logger.warning("live: the process's beat failed (%s)", error)
            await asyncio.sleep(settings.PROCESS_HEARTBEAT_SECONDS)

    async def _watch(self) -> None:
        """Every WATCH_SECONDS: wake each stream that has sent nothing for
        LIVE_HEARTBEAT_SECONDS to send a comment line, and stop each write that has waited
        LIVE_SEND_TIMEOUT_SECONDS for a client that reads nothing (its task is cancelled, and
        the write raises TimeoutError, as asyncio.timeout would)."""
        every = min(WATCH_SECONDS, settings.LIVE_HEARTBEAT_SECONDS / 2)
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for stream in self.all_streams():
                if stream.writing_since is not None:
                    waited = now - stream.writing_since
                    if waited >= settings.LIVE_SEND_TIMEOUT_SECONDS and not stream.stuck:
                        stream.stuck = True
                        stream.task.cancel()
                elif now - stream.last_write >= settings.LIVE_HEARTBEAT_SECONDS:
                    stream.ping = True
                    stream.wake.set()

    async def _seen(self, streams: list[Stream]) -> None:
        """Mark the streams' people present, and viewing their posts, as of now."""
        if not streams:
            return
        now = time.time()
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(channels.present_key(), {str(s.user_id): now for s in streams})
        pipe.zremrangebyscore(channels.present_key(), "-inf", now - settings.LIVE_BUFFER_SECONDS)
        for user_id in {stream.user_id for stream in streams}:  # kept while they are here
            pipe.expire(channels.buffer_key(user_id), settings.LIVE_BUFFER_SECONDS)
        viewing: dict[int, dict[str, float]] = {}
        for stream in streams:
            for post_id in stream.posts:
                viewing.setdefault(post_id, {})[str(stream.user_id)] = now
        for post_id, members in viewing.items():
            key = channels.viewing_key(post_id)
            pipe.zadd(key, members)
            pipe.zremrangebyscore(key, "-inf", now - settings.LIVE_BUFFER_SECONDS)
            pipe.expire(key, settings.LIVE_BUFFER_SECONDS)
        await pipe.execute()

    # --- a client's backlog
    async def backlog(self, user_id: int, last: str | None) -> tuple[str, list, bool]:
        """Where the client stands and what it is owed: (position, [(id, kind, scope, data)],
        whether it is whole). Without `last`: the buffer's newest id and nothing owed."""
        key = channels.buffer_key(user_id)
        if last is None:
            return await self._position(user_id), [], True
        if stream_id(last) == (-1, -1):
            return await self._position(user_id), [], False
        pipe = self.redis.pipeline(transaction=False)
        pipe.xrange(key, min=last, count=settings.LIVE_BUFFER_LENGTH + 1)
        pipe.xrange(key, count=1)
        since, oldest = await pipe.execute()
        whole = bool(since and since[0][0] == last) or bool(
            oldest and oldest[0][1].get("prev") == last
        )
        if not whole:
            return await self._position(user_id), [], False
        owed = [
            (entry_id, *channels.parse_entry(fields))
            for entry_id, fields in since
            if stream_id(entry_id) > stream_id(last)
        ]
        return last, owed, True

    async def _position(self, user_id: int) -> str:
        keys, args = channels.position_args(user_id)
        return await self.redis.register_script(channels.POSITION)(keys=keys, args=args)


async def _receive_until_gone(receive, stream: Stream) -> None:
    """The client went away (the ASGI disconnect): the stream ends."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            stream.end()
            return


class StreamApp:
    """The ASGI application: /api/stream/, and /healthz for a supervisor."""

    def __init__(self):
        self.hub: Hub | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return
        if scope["path"] == "/healthz":
            return await _answer(send, 200, {"status": "ok"})
        if scope["path"] != PATH:
            return await _answer(send, 404, {"detail": "Not found."})
        if scope["method"] != "GET":
            detail = f'Method "{scope["method"]}" not allowed.'
            return await _answer(send, 405, {"detail": detail}, [(b"allow", b"GET")])
        try:
            await self._stream(scope, receive, send)
        except Refused as refused:
            await _answer(send, refused.status, {"detail": refused.detail}, refused.headers)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.hub = Hub()
                self.hub.start()
                _on_exit_signals(self.hub.close)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.hub:
                    await self.hub.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _stream(self, scope, receive, send) -> None:
        hub = self.hub
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        posts = _posts(scope.get("query_string", b"").decode("latin-1"))
        signing_in_since = time.monotonic()
        try:
            credential = await hub.db(
                access.authenticate,
                cookie=headers.get("cookie", ""),
                authorization=headers.get("authorization", ""),
            )
        except Exception as error:
            logger.warning("live: sign-in could not be checked (%s)", error)
            raise Refused(503, "Live updates are not available right now.") from error
        if credential is None:  # as the API answers: DRF's token authentication's 401s
            scheme, _, key = headers.get("authorization", "").partition(" ")
            token_given = scheme.lower() == "token" and key.strip()
            detail = (
                "Invalid token." if token_given else "Authentication credentials were not provided."
            )
            raise Refused(401, detail, [(b"www-authenticate", b"Token")])
        stream = Stream(credential, posts)
        # EventSource sends the header when it reconnects; a page opening a fresh one (another
        # post viewed, or after it gave up) names where it was in the query instead
        last = headers.get("last-event-id") or _query_value(scope, "last_event_id")
        await hub.add(stream)
        if hub.auth_changed.get(stream.user_id, -1.0) >= signing_in_since:
            await hub.check_signed_in([stream])  # signed out while this signed in
            if stream.ended:
                hub.remove(stream)
                raise Refused(401, "Your sign-in ended.", [(b"www-authenticate", b"Token")])
        try:
            try:
                backlog = await hub.backlog(stream.user_id, last)
            except (redis.RedisError, OSError) as error:
                raise Refused(503, "Live updates are not available right now.") from error
            await self._run(stream, last, backlog, receive, send)
        finally:
            hub.remove(stream)
        # the answer's end, once the stream has left the hub (a client that stopped reading may
        # never take it; one whose write got stuck is left to the server to close)
        if stream.started and not stream.stuck:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(send(END), settings.LIVE_SEND_TIMEOUT_SECONDS)

    async def _run(self, stream: Stream, last: str | None, backlog, receive, send) -> None:
        position, owed, whole = backlog
        stream.task = asyncio.current_task()
        gone = asyncio.create_task(_receive_until_gone(receive, stream))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-store"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            stream.started = True
            counters.later("opened")
            write = _writer(send, stream)
            await write(f"retry: {RETRY_MS}\n\n".encode())
            if last is not None:
                counters.later("resumes" if whole else "resets")
            if not whole:  # what was missed is gone: read afresh, from here on
                await write(sse(channels.RESET, json.dumps({"reason": "gone"}), position))
                return
            stream.last_id = stream_id(position)
            await write(sse(channels.READY, json.dumps({"resumed": last is not None}), position))
            await self._send_owed(stream, owed, write)
            await self._send_live(stream, write)
        except (TimeoutError, OSError):
            counters.later("dropped")
        finally:
            gone.cancel()

    async def _send_owed(self, stream: Stream, owed: list, write) -> None:
        """The buffer's entries the client missed, in order, those it may see now."""
        hub = self.hub
        allowed: dict[tuple, bool] = {}
        counts = [i for i, (_, kind, *_) in enumerate(owed) if kind == channels.NOTIFICATION]
        newest_count = counts[-1] if counts else None
        for index, (entry_id, kind, about, data) in enumerate(owed):
            if stream.ended:
                return  # signed out meanwhile
            if kind == channels.BEGIN:
                continue
            subject = _subject(about)
            if subject not in allowed:
                allowed[subject] = stream.user_id in await hub.readers([stream.user_id], about)
            if not allowed[subject]:
                continue
            if kind == channels.NOTIFICATION:
                if index != newest_count:
                    continue  # the count now is what the last one says
                data = _unread_data(await hub.db(access.unread, stream.user_id))
            await write(sse(kind, data, entry_id))
            stream.last_id = stream_id(entry_id)
            counters.later("sent")

    async def _send_live(self, stream: Stream, write) -> None:
        """What the hub hands the stream, until it ends; a comment line when there is nothing."""
        while not stream.ended:
            await stream.wake.wait()  # a message, the end, or the watch loop's ping
            stream.wake.clear()
            if stream.overflowed:
                counters.later("dropped_slow")
                reason = "slow" if self.hub.up.is_set() else "redis"
                await write(sse(channels.RESET, json.dumps({"reason": reason})))
                return
            queued = [item for item in stream.queue if stream_id(item[0]) > stream.last_id]
            stream.queue.clear()  # what is older was sent from the buffer already
            counts = [
                i for i, (_id, kind, _data) in enumerate(queued) if kind == channels.NOTIFICATION
            ]
            events = []  # all that is queued, in one write
            for index, (entry_id, kind, data) in enumerate(queued):
                if kind == channels.NOTIFICATION:
                    if index != counts[-1]:
                        continue  # the count now is what the last one says
                    data = _unread_data(await self.hub.db(access.unread, stream.user_id))
                events.append(sse(kind, data, entry_id))
            if queued:
                stream.last_id = stream_id(queued[-1][0])
            if events and not stream.ended:
                await write(b"".join(events))
                counters.later("sent", len(events))
            elif stream.ping and not stream.ended:
                await write(b": ping\n\n")
            stream.ping = False


def _on_exit_signals(callback: Callable[[], None]) -> None:
    """Run `callback` in the loop as soon as the server is told to stop (SIGTERM, SIGINT),
    chained to the handler the server installed (uvicorn's, which begins its shutdown). uvicorn
    waits for open responses to end before it ends the lifespan, and a stream never ends by
    itself: without this, every stop waited out --timeout-graceful-shutdown, then cancelled each
    stream with a traceback in the log."""
    if threading.current_thread() is not threading.main_thread():
        return  # signals reach the main thread only: a server run in a thread stops otherwise
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(number)
        if not callable(previous):
            continue  # no server handles it: its default (the process ends) stays

        def handler(signum, frame, previous=previous):
            loop.call_soon_threadsafe(callback)
            previous(signum, frame)

        signal.signal(number, handler)


def _writer(send, stream: Stream):
    """The stream's write: TimeoutError when the hub's watch loop stops it (Hub._watch)."""

    async def write(body: bytes) -> None:
        stream.writing_since = time.monotonic()
        try:
            await send({"type": "http.response.body", "body": body, "more_body": True})
        except asyncio.CancelledError:
            if not stream.stuck:
                raise
            asyncio.current_task().uncancel()
            raise TimeoutError("the client read nothing for LIVE_SEND_TIMEOUT_SECONDS") from None
        finally:
            stream.writing_since = None
        stream.last_write = time.monotonic()

    return write


def _query_value(scope, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[-1] if values else None


def _posts(query: str) -> list[int]:
    """The post ids of `?posts=1,2,3`: the first LIVE_POSTS_MAX numbers, the rest ignored."""
    values = ",".join(parse_qs(query).get("posts", []))
    ids = []
    for part in values.split(","):
        part = part.strip()
        if part.isdigit() and int(part) not in ids:
            ids.append(int(part))
    return ids[: settings.LIVE_POSTS_MAX]


async def _answer(send, status: int, body: dict, headers=()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _subject(about: dict) -> tuple:
    """A message's scope as a key, the same for the same scope (channels.scope's values are ids
    or None): a sorted tuple, 0.2 us, not sorted JSON, 1.9 us and 8% of the process's time in a
    sampled profile of the live bench."""
    return tuple(sorted(about.items()))


def _unread_data(unread: dict) -> str:
    return json.dumps({"unread": unread}, separators=(",", ":"))
