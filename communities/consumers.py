"""The consumers communities runs on the event stream (see divan.events.consumers)."""

from communities.services.search import search_index_comment, search_index_post
from divan.events.consumers import Event, consumer

# The changes that can change what a search finds: the text, or whether it may be shown.
_INDEXED = ("created", "edited", "deleted", "hidden", "restored")
POST_EVENTS = frozenset(f"post.{change}" for change in _INDEXED)
COMMENT_EVENTS = frozenset(f"comment.{change}" for change in _INDEXED)


@consumer("search")
def search(event: Event) -> None:
    """Keep the search vectors of posts and comments current: the post or comment an event is
    about is indexed again from its row as it is now (deleted and hidden content gets none).
    Indexing twice gives the same vector, so even a replay past the dedup record is harmless."""
    if event.type in POST_EVENTS:
        search_index_post(event.payload["post_id"])
    elif event.type in COMMENT_EVENTS:
        search_index_comment(event.payload["comment_id"])
