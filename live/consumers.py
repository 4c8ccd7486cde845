"""The live consumer on the event stream (see divan.events.consumers): what each event tells the
people connected to a stream process, published to their buffers (live/channels.py).

Only people seen connected within LIVE_BUFFER_SECONDS get a message: a person who is away has
no buffer to fill, and comes back to pages read afresh. Each message is published once per
person whatever the deliveries of its event (deduplicated by the event's id in Redis, as the
event's record deduplicates it in PostgreSQL). Whether the reader may see it is decided when it
is sent, not here: a ban between this and the sending still stops it."""

from communities.api.serializers import reaction_counts
from communities.events import EventType
from communities.models import Membership, Post
from divan.events.consumers import Event, consumer
from live import channels

# What changes the counts an open post shows, and what adds to its thread.
COUNTED = frozenset(
    {
        EventType.REACTION_ADDED,
        EventType.REACTION_REMOVED,
        EventType.COMMENT_CREATED,
        EventType.COMMENT_DELETED,
        EventType.COMMENT_HIDDEN,
        EventType.COMMENT_RESTORED,
    }
)
# A post's counts as the API names them.
COUNTS = ("comments_count", "reactions_count", "reaction_counts")


@consumer("live")
def live(event: Event) -> None:
    payload = event.payload
    if event.type == EventType.POST_CREATED:
        _new_post(event)
    if event.type in COUNTED:
        _counts(event)
    if event.type == EventType.COMMENT_CREATED:
        about = channels.scope(
            group_id=payload["group_id"], post_id=payload["post_id"], author_id=payload["author_id"]
        )
        data = {
            "post_id": payload["post_id"],
            "comment_id": payload["comment_id"],
            "parent_id": payload["parent_id"],
        }
        viewers = channels.viewers(payload["post_id"]) - {payload["author_id"]}
        channels.publish(viewers, channels.COMMENT, data, about=about, dedup=event.event_id)


def _new_post(event: Event) -> None:
    """A new post: for the "new posts" count of the group's members connected (the home feed is
    their groups' posts), but its author."""
    payload = event.payload
    connected = channels.present()
    if not connected:
        return
    members = Membership.objects.filter(
        group_id=payload["group_id"], user_id__in=connected
    ).exclude(user_id=payload["author_id"])
    about = channels.scope(
        group_id=payload["group_id"], post_id=payload["post_id"], author_id=payload["author_id"]
    )
    data = {"post_id": payload["post_id"], "group_id": payload["group_id"]}
    user_ids = members.values_list("user_id", flat=True)
    channels.publish(user_ids, channels.FEED, data, about=about, dedup=event.event_id)


def _counts(event: Event) -> None:
    """A viewed post's counts as they are now (a later event's message carries later counts)."""
    post_id = event.payload["post_id"]
    viewers = channels.viewers(post_id)
    if not viewers:
        return
    post = Post.objects.filter(pk=post_id).only(*COUNTS).first()
    if post is None:
        return
    data = {"post_id": post_id, **{name: getattr(post, name) for name in COUNTS}}
    data["reaction_counts"] = reaction_counts(post)  # as the API shows them
    about = channels.scope(group_id=event.payload["group_id"], post_id=post_id)
    channels.publish(viewers, channels.POST, data, about=about, dedup=event.event_id)
