"""How feeds rank posts: pure functions, no I/O, every coefficient from settings.

The form is Reddit's "hot", time-independent:

    score = log10(max(engagement, 1)) + seconds since EPOCH / FEED_SCORE_TIME_CONSTANT_SECONDS

    engagement = FEED_SCORE_REACTION_WEIGHT * reactions
               + FEED_SCORE_COMMENT_WEIGHT * comments
               + reputation bonus

Why this form and not Hacker News' `(P-1)^0.8 / (age_hours + 2)^1.8` or Lemmy's
`log(max(2, score+2)) / (hours + 2)^1.8`: those decay with the clock, so every score changes every
minute and a feed would need its scores recomputed all the time, for every post in it. Here a
score changes only when the post's engagement does: freshness is built in as the post's age
against a fixed epoch, so an older post never overtakes a newer one without earning it. Each
tenfold rise in engagement is worth FEED_SCORE_TIME_CONSTANT_SECONDS of freshness (45,000 s,
12.5 hours, as Reddit's). A post has one score, which every reader's feed shares: rescoring
costs one computation per post, whatever the number of members, and reads combine those scores
with each reader's candidate posts.

Reputation (reactions the author received, `User.reputation`) enters as a bonus to engagement:
FEED_SCORE_REPUTATION_WEIGHT * log10(1 + reputation), capped at FEED_SCORE_REPUTATION_CAP. It is
logarithmic and bounded, so it can lift a new post by a well-liked author a little, but it is
worth at most a few reactions: one prolific author with a large reputation cannot drown a group,
since each of their posts still has to earn its own reactions and comments, and a tenfold rise
in reputation adds less than one reaction's worth.

Scores are finite for any input: counts below zero count as zero, dates before the epoch give
negative freshness, dates in the future are taken as `now` when one is given (a clock running
ahead must not pin a post to the top), and the engagement inside the logarithm is at least 1.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Coefficients:
    reaction_weight: float = 1.0
    comment_weight: float = 2.0
    reputation_weight: float = 1.0
    reputation_cap: float = 3.0
    time_constant_seconds: float = 45_000.0

    def __post_init__(self):
        for name in ("reaction_weight", "comment_weight", "reputation_weight", "reputation_cap"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}.")
        if not (math.isfinite(self.time_constant_seconds) and self.time_constant_seconds > 0):
            raise ValueError("time_constant_seconds must be a finite number > 0.")

    @classmethod
    def from_settings(cls) -> "Coefficients":
        from django.conf import settings

        return cls(
            reaction_weight=settings.FEED_SCORE_REACTION_WEIGHT,
            comment_weight=settings.FEED_SCORE_COMMENT_WEIGHT,
            reputation_weight=settings.FEED_SCORE_REPUTATION_WEIGHT,
            reputation_cap=settings.FEED_SCORE_REPUTATION_CAP,
            time_constant_seconds=settings.FEED_SCORE_TIME_CONSTANT_SECONDS,
        )


def reputation_bonus(reputation: int, coefficients: Coefficients) -> float:
    """The author's share of a post's engagement: logarithmic in reputation, and capped."""
    bonus = coefficients.reputation_weight * math.log10(1 + max(reputation, 0))
    return min(bonus, coefficients.reputation_cap)


def engagement(
    *, reactions: int, comments: int, author_reputation: int, coefficients: Coefficients
) -> float:
    return (
        coefficients.reaction_weight * max(reactions, 0)
        + coefficients.comment_weight * max(comments, 0)
        + reputation_bonus(author_reputation, coefficients)
    )


def hot_score(
    *,
    created_at: datetime,
    reactions: int,
    comments: int,
    author_reputation: int,
    coefficients: Coefficients,
    now: datetime | None = None,
) -> float:
    """The post's score: higher ranks first. With `now`, a date after it counts as `now`."""
    if now is not None and created_at > now:
        created_at = now
    freshness = (created_at - EPOCH).total_seconds() / coefficients.time_constant_seconds
    earned = engagement(
        reactions=reactions,
        comments=comments,
        author_reputation=author_reputation,
        coefficients=coefficients,
    )
    return math.log10(max(earned, 1.0)) + freshness


def top_window() -> int:
    """How many of a feed's newest posts `top` ranks: FEED_TOP_WINDOW, at most FEED_CACHE_MAX."""
    from django.conf import settings

    return min(settings.FEED_TOP_WINDOW, settings.FEED_CACHE_MAX)
