"""The raw limit of `python -m bench --live`: the least an SSE endpoint can do, under the same
uvicorn as the stream process (`uvicorn bench.live_raw:application`). No sign-in, no buffer, no
check: one Redis Pub/Sub subscription (BENCH_LIVE_CHANNEL on REDIS_URL) whose every message goes
to every open stream, fanned out in this process."""

import asyncio
import os

import redis.asyncio as aioredis

STARTED = b"retry: 2000\n\n"
READY = b"event: ready\ndata: {}\n\n"
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store")]

queues: set[asyncio.Queue] = set()
tasks: list[asyncio.Task] = []


async def fan_out() -> None:
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"])
    pubsub = client.pubsub()
    await pubsub.subscribe(os.environ["BENCH_LIVE_CHANNEL"])
    async for message in pubsub.listen():
        if message["type"] == "message":
            event = b"event: message\ndata: " + message["data"] + b"\n\n"
            for queue in queues:
                queue.put_nowait(event)


async def until_gone(receive, queue: asyncio.Queue) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    queue.put_nowait(None)


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] == "lifespan.startup":
            tasks.append(asyncio.create_task(fan_out()))
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    queue: asyncio.Queue = asyncio.Queue()
    queues.add(queue)
    gone = asyncio.create_task(until_gone(receive, queue))
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": STARTED, "more_body": True})
        await send({"type": "http.response.body", "body": READY, "more_body": True})
        while (event := await queue.get()) is not None:
            await send({"type": "http.response.body", "body": event, "more_body": True})
    finally:
        queues.discard(queue)
        gone.cancel()
