"""feeds/ranking.py, by its properties (hypothesis) and by the figures its docstring promises."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.ranking import EPOCH, Coefficients, hot_score, reputation_bonus

COUNTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)  # what a BigIntegerField holds
DATES = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
COEFFICIENTS = st.builds(
    Coefficients,
    reaction_weight=st.floats(min_value=0, max_value=1e6),
    comment_weight=st.floats(min_value=0, max_value=1e6),
    reputation_weight=st.floats(min_value=0, max_value=1e6),
    reputation_cap=st.floats(min_value=0, max_value=1e6),
    time_constant_seconds=st.floats(min_value=1, max_value=1e9),
)
DEFAULTS = Coefficients()


def score(created_at=EPOCH, reactions=0, comments=0, reputation=0, c=DEFAULTS, now=None):
    return hot_score(
        created_at=created_at,
        reactions=reactions,
        comments=comments,
        author_reputation=reputation,
        coefficients=c,
        now=now,
    )


@settings(max_examples=300)
@given(DATES, COUNTS, COUNTS, COUNTS, COEFFICIENTS, st.one_of(st.none(), DATES))
def test_a_score_is_finite_for_any_input(created_at, reactions, comments, reputation, c, now):
    assert math.isfinite(score(created_at, reactions, comments, reputation, c, now))


@settings(max_examples=300)
@given(DATES, COUNTS, COUNTS, COUNTS, COEFFICIENTS, st.integers(min_value=0, max_value=10**12))
def test_more_reactions_or_comments_never_lower_a_score(
    created_at, reactions, comments, reputation, c, more
):
    base = score(created_at, reactions, comments, reputation, c)
    assert score(created_at, reactions + more, comments, reputation, c) >= base
    assert score(created_at, reactions, comments + more, reputation, c) >= base


@settings(max_examples=300)
@given(DATES, DATES, COUNTS, COUNTS, COUNTS, COEFFICIENTS, st.one_of(st.none(), DATES))
def test_newer_never_ranks_below_older(first, second, reactions, comments, reputation, c, now):
    older, newer = sorted([first, second])
    assert score(newer, reactions, comments, reputation, c, now) >= score(
        older, reactions, comments, reputation, c, now
    )


@given(DATES, COUNTS, COEFFICIENTS)
def test_a_date_in_the_future_counts_as_now(future_or_not, reactions, c):
    now = datetime(2026, 11, 24, tzinfo=UTC)
    created_at = max(future_or_not, now)
    assert score(created_at, reactions, c=c, now=now) == score(now, reactions, c=c, now=now)


@given(COUNTS, COEFFICIENTS)
def test_reputation_adds_at_most_its_cap(reputation, c):
    assert 0 <= reputation_bonus(reputation, c) <= c.reputation_cap


def test_tenfold_engagement_is_worth_the_time_constant_of_freshness():
    later = EPOCH + timedelta(seconds=DEFAULTS.time_constant_seconds)
    assert score(EPOCH, reactions=100) == pytest.approx(score(later, reactions=10))
    assert score(EPOCH, reactions=0) == score(EPOCH, reactions=1) == 0.0


def test_a_prolific_authors_reputation_is_worth_at_most_three_reactions():
    famous = score(EPOCH, reactions=0, reputation=10**9)
    assert famous == pytest.approx(math.log10(3.0))
    assert famous < score(EPOCH, reactions=4)


@pytest.mark.parametrize(
    "field", ["reaction_weight", "comment_weight", "reputation_weight", "reputation_cap"]
)
@pytest.mark.parametrize("value", [-1.0, math.inf, math.nan])
def test_coefficients_must_be_finite_and_not_negative(field, value):
    with pytest.raises(ValueError):
        Coefficients(**{field: value})


def test_coefficients_come_from_settings(settings):
    settings.FEED_SCORE_COMMENT_WEIGHT = 5.0

    assert Coefficients.from_settings() == Coefficients(comment_weight=5.0)
