"""The consumers communities runs on the event stream (see divan.events.consumers)."""

from communities.events import EventType
from communities.services.search import search_index_comment, search_index_post
from divan.events.consumers import Event, consumer

# The changes that can change what a search finds: the text, or whether it may be shown.
POST_EVENTS = frozenset(
    {
        EventType.POST_CREATED,
        EventType.POST_EDITED,
        EventType.POST_DELETED,
        EventType.POST_HIDDEN,
        EventType.POST_RESTORED,
    }
)
COMMENT_EVENTS = frozenset(
    {
        EventType.COMMENT_CREATED,
        EventType.COMMENT_EDITED,
        EventType.COMMENT_DELETED,
        EventType.COMMENT_HIDDEN,
        EventType.COMMENT_RESTORED,
    }
)


@consumer("search")
def search(event: Event) -> None:
    """Keep the search vectors of posts and comments current: the post or comment an event is
    about is indexed again from its row as it is now (deleted and hidden content gets none).
    Indexing twice gives the same vector, so even a replay past the dedup record is harmless."""
    if event.type in POST_EVENTS:
        search_index_post(event.payload["post_id"])
    elif event.type in COMMENT_EVENTS:
        search_index_comment(event.payload["comment_id"])
