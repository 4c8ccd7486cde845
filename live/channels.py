"""The Redis side of live updates: each person's buffer, their channel, and who is connected.

A message for a person is appended to their buffer, a short Redis Stream, and published on
their channel in one script, so that its id (the stream's, time-ordered) is the same in both and
a stream process can tell a message it read from the buffer from the same one come by the
channel (the resume race: it subscribes first, reads the buffer, then lets through only what
is newer than what it sent). A message names ids and counts, never text: what the reader may
see is decided when it is sent (live/access.py), and the hub reads content from the API.

Keys (one person's share the hash tag `{live:<id>}`):
- `...:{live:<id>}:buffer` the buffer: each entry `kind`, `data` (JSON), `scope` (JSON: the
  group, post and author it is about, for the check at sending) and `prev`, the id of the entry
  before it. A client that comes back with Last-Event-ID L is owed exactly the entries after L
  when L is still in the buffer, or when the oldest entry kept names L as its `prev`; anything
  else (trimmed past L, the buffer expired or lost with Redis, an id it never issued) is a
  `reset`. Trimmed to LIVE_BUFFER_LENGTH entries and LIVE_BUFFER_SECONDS of age, and gone
  LIVE_BUFFER_SECONDS after its last message.
- `...:{live:<id>}:seen:<key>` a message's dedup mark (an event applied twice publishes once).
- `...:live:channel:<id>` the person's Pub/Sub channel: the entry as `id`, `kind`, `scope`,
  `data` on four lines.
- `...:live:present` a sorted set: people by when a stream process last saw them connected;
  buffers are written only for people seen within LIVE_BUFFER_SECONDS (a person who is away
  costs no memory), and `...:live:viewing:<post>` the same for the viewers of a post.
"""

import hashlib
import json
import logging
import time
from collections.abc import Iterable

import redis
from django.conf import settings
from django.db import transaction

from divan.redis import get_redis, redis_key
from live.metrics import counters

logger = logging.getLogger(__name__)

FEED = "feed"
POST = "post"
COMMENT = "comment"
NOTIFICATION = "notification"
# the stream process's own: the first message, and the one that says "read again"
READY = "ready"
RESET = "reset"
# where a buffer begins (channels.position): kept, never sent
BEGIN = "begin"
# a control message on a person's channel, never buffered: check their sign-ins now
AUTH = "auth"

# KEYS: the buffer, the dedup mark (or the buffer again: no dedup). ARGV: dedup (1/0), kind,
# data, scope, channel, length, age in ms, lifetime in s. Answers {the new id, how many
# subscribers the message reached (stream processes holding the person's streams)}, or false.
_PUBLISH = """
if ARGV[1] == '1' and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[8]) then
  return false
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if #last > 0 then prev = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[6], '*',
  'kind', ARGV[2], 'data', ARGV[3], 'scope', ARGV[4], 'prev', prev)
local now = redis.call('TIME')
local floor = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[7])
redis.call('XTRIM', KEYS[1], 'MINID', floor)
redis.call('EXPIRE', KEYS[1], ARGV[8])
local reached = redis.call('PUBLISH', ARGV[5],
  id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[3])
return {id, reached}
"""


def buffer_key(user_id: int) -> str:
    return redis_key(f"{{live:{user_id}}}", "buffer")


def seen_key(user_id: int, dedup: str) -> str:
    return redis_key(f"{{live:{user_id}}}", "seen", dedup)


def channel(user_id: int) -> str:
    return redis_key("live", "channel", user_id)


def user_of_channel(name: str) -> int:
    return int(name.rsplit(":", 1)[1])


def present_key() -> str:
    return redis_key("live", "present")


def viewing_key(post_id: int) -> str:
    return redis_key("live", "viewing", post_id)


def scope(*, group_id: int | None = None, post_id: int | None = None, author_id=None) -> dict:
    """What a message is about, as the check at sending reads it (live/access.py)."""
    return {"group": group_id, "post": post_id, "author": author_id}


def publish(
    user_ids: Iterable[int],
    kind: str,
    data: dict,
    *,
    about: dict | None = None,
    dedup: str | None = None,
    client: redis.Redis | None = None,
) -> int:
    """Append the message to each person's buffer and publish it on their channel (one
    pipelined script per person); with `dedup`, once per person whatever the calls. How many
    were written now."""
    user_ids = list(user_ids)
    if not user_ids:
        return 0
    client = client or get_redis()
    script = client.register_script(_PUBLISH)
    text = json.dumps(data, separators=(",", ":"))
    about_text = json.dumps(about or scope(), separators=(",", ":"))
    length = settings.LIVE_BUFFER_LENGTH
    age_ms = settings.LIVE_BUFFER_SECONDS * 1000
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        buffer = buffer_key(user_id)
        keys = [buffer, seen_key(user_id, f"{dedup}:{kind}") if dedup else buffer]
        args = [1 if dedup else 0, kind, text, about_text, channel(user_id), length, age_ms]
        script(keys=keys, args=[*args, settings.LIVE_BUFFER_SECONDS], client=pipe)
    answers = [answer for answer in pipe.execute() if answer]
    # counted now, not with the next publish: a quiet site's last messages would be missing
    # from /metrics until then. Those a stream process subscribed to are what should be sent
    # (the alert on a stream process that stopped delivering compares the two).
    counters.add(
        client,
        published=len(answers),
        published_connected=sum(1 for _id, reached in answers if reached),
    )
    return len(answers)


def signal(user_id: int, kind: str, data: dict | None = None, client=None) -> None:
    """A control message on the person's channel, not buffered (AUTH)."""
    text = json.dumps(data or {}, separators=(",", ":"))
    (client or get_redis()).publish(channel(user_id), f"\n{kind}\n\n{text}")


def credential_hash(key: str) -> str:
    """How a signed-out session is named on a channel: never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


def sign_ins_changed(user_id: int, *, session_key: str | None = None) -> None:
    """Once this commits, the person's streams check their sign-ins and those that ended end
    (a lost signal is caught by the check every LIVE_AUTH_CHECK_SECONDS); with `session_key`,
    the streams of that session end without a check (its row is flushed only after the
    signal). A control message sent from the request that signs out: waiting for an event
    would only leave the stream open longer."""
    data = {"session": credential_hash(session_key)} if session_key else {}

    def send() -> None:
        try:
            signal(user_id, AUTH, data)
        except redis.RedisError as error:
            logger.warning("live: streams of %s not told to check sign-ins (%s)", user_id, error)

    transaction.on_commit(send, robust=True)


def signed_out(sender, request=None, user=None, **kwargs) -> None:
    """Django's user_logged_out (allauth's sign-out sends it too): that session's streams end."""
    if user is not None:
        session = getattr(request, "session", None)
        sign_ins_changed(user.pk, session_key=getattr(session, "session_key", None))


def _since() -> float:
    return time.time() - settings.LIVE_BUFFER_SECONDS


def present(user_ids: Iterable[int] | None = None, *, client: redis.Redis | None = None) -> set:
    """Who a stream process saw connected within LIVE_BUFFER_SECONDS: of `user_ids` when given
    (one ZMSCORE), else all."""
    client = client or get_redis()
    if user_ids is None:
        return {int(member) for member in client.zrangebyscore(present_key(), _since(), "+inf")}
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    since = _since()
    seen = client.zmscore(present_key(), [str(user_id) for user_id in user_ids])
    return {user_id for user_id, at in zip(user_ids, seen, strict=True) if at and at >= since}


def notify(user_ids: Iterable[int]) -> int:
    """Tell the connected among these people that their unread count changed (each stream
    process reads the count when it sends the message)."""
    return publish(present(user_ids), NOTIFICATION, {})


def viewers(post_id: int, *, client: redis.Redis | None = None) -> set[int]:
    """Who had the post open, connected, within LIVE_BUFFER_SECONDS."""
    client = client or get_redis()
    return {int(m) for m in client.zrangebyscore(viewing_key(post_id), _since(), "+inf")}


# KEYS: the buffer, the present set. ARGV: the person's id, length, lifetime in s. The newest
# id, the buffer begun with a BEGIN entry when there is none; the person marked present.
POSITION = """
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], tonumber(now[1]) + tonumber(now[2]) / 1000000, ARGV[1])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return last[1][1]
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*',
  'kind', 'begin', 'data', '{}', 'scope', '{}', 'prev', '0-0')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return id
"""


def position_args(user_id: int) -> tuple[list[str], list]:
    return (
        [buffer_key(user_id), present_key()],
        [user_id, settings.LIVE_BUFFER_LENGTH, settings.LIVE_BUFFER_SECONDS],
    )


def position(user_id: int, client: redis.Redis | None = None) -> str:
    """Where the person's stream stands: the id of the newest message in their buffer, which
    is begun (a BEGIN entry, never sent) when there is none, so that a buffer missing later
    always means one lost; and the person is marked present, so that what is published from
    now on is kept for them. A stream opened from it is owed whatever is published after."""
    keys, args = position_args(user_id)
    return (client or get_redis()).register_script(POSITION)(keys=keys, args=args)


def parse_entry(fields: dict) -> tuple[str, dict, str]:
    """A buffer entry's (kind, scope, data text)."""
    return fields["kind"], json.loads(fields["scope"]), fields["data"]


def parse_published(text: str) -> tuple[str, str, dict, str]:
    """A channel message's (id, kind, scope, data text); a control message has no id."""
    entry_id, kind, about, data = text.split("\n", 3)
    return entry_id, kind, json.loads(about) if about else {}, data
