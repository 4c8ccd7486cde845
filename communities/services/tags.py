"""Topic tags: the one normalization rule, race-safe get-or-create, tags of posts and groups.

A tag is a lowercase ASCII slug (django's slugify) of 1 to TAG_MAX_LENGTH characters holding at
least one letter or digit. "  Machine Learning " and "machine-learning" are the same tag.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.utils.text import slugify

from communities import queries
from communities.models import Group, GroupTag, Post, Tag
from divan.exceptions import InvalidInput
from divan.sql import execute, fetch_all

_LETTER_OR_DIGIT = re.compile(r"[a-z0-9]")
_SEPARATORS = re.compile(r"[-\s]+")
_NOT_IN_A_TAG = re.compile(r"[^a-z0-9_-]")


def tag_normalize(raw: str) -> str:
    """The tag a user meant by `raw`, or ValueError saying why there is none. Pure."""
    name = slugify(raw.strip())
    if not _LETTER_OR_DIGIT.search(name):
        raise ValueError(f"A tag must contain a letter or a digit: {raw[:50]!r}.")
    if len(name) > settings.TAG_MAX_LENGTH:
        raise ValueError(
            f"Ensure each tag has no more than {settings.TAG_MAX_LENGTH} characters: {raw[:50]!r}."
        )
    return name


def tags_normalize(raw_tags: Iterable[str], *, limit: int, field: str = "tags") -> list[str]:
    """Normalized, deduplicated tags in their first-seen order; InvalidInput on `field` naming
    every bad tag, or when more than `limit` distinct tags remain. Pure."""
    names: list[str] = []
    errors: list[str] = []
    for raw in raw_tags:
        try:
            name = tag_normalize(raw)
        except ValueError as error:
            errors.append(str(error))
            continue
        if name not in names:
            names.append(name)
        if len(names) > limit:  # stop early: a huge list costs no more than limit + 1 tags
            errors.append(f"Ensure there are no more than {limit} tags.")
            break
    if errors:
        raise InvalidInput({field: errors})
    return names


def tag_prefix_normalize(raw: str) -> str | None:
    """A `?prefix=` as the start of a tag: lowercased, with spaces and hyphen runs as one hyphen,
    a trailing hyphen kept ("machine " finds "machine-learning"); None when it holds a character
    no tag holds (a NUL, say), so that nothing matches. Pure."""
    prefix = _SEPARATORS.sub("-", raw.lstrip().lower())[: settings.TAG_MAX_LENGTH]
    return None if _NOT_IN_A_TAG.search(prefix) else prefix


def _tags_insert(names: Iterable[str]) -> None:
    """Insert the tags of these names that do not exist, in one statement. In name order: two
    writes that create the same new tags wait on each other in turn, never in a cycle (a
    deadlock) as they could in the orders their callers gave."""
    Tag.objects.bulk_create([Tag(name=name) for name in sorted(names)], ignore_conflicts=True)


def tags_get_or_create(names: list[str]) -> list[Tag]:
    """The Tag rows for already normalized names, in the same order. Race-safe: a concurrent
    insert of the same name makes ours a no-op, and the fetch that follows sees the winner."""
    if not names:
        return []
    _tags_insert(names)
    by_name = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [by_name[name] for name in names]


def _set_post_tags(post: Post, names: list[str]) -> list[str]:
    rows = fetch_all(queries.SET_POST_TAGS, [names, post.pk, post.pk, post.group_id])
    return [name for (name,) in rows]


def post_tags_set(*, post: Post, names: list[str]) -> list[str]:
    """Make the tags of a shown post (neither hidden nor deleted) exactly those of these
    already normalized names, and keep the group's TagCount rows exact; answers the names in the
    order reads list a post's tags. One statement when every tag exists; else the missing ones
    are created first, race-safe as in tags_get_or_create, and the names linked again (a new
    statement sees the tags a concurrent insert won). Call inside the caller's transaction,
    holding the post's row lock."""
    linked = _set_post_tags(post, names)
    if len(linked) < len(names):
        _tags_insert(set(names) - set(linked))
        linked = _set_post_tags(post, names)
    return linked


def tag_counts_move(*, post: Post, shown: int, hidden: int) -> None:
    """Add `shown` and `hidden` to the group's counts of each of the post's tags: when a post is
    hidden (-1, +1), restored (+1, -1) or deleted (-1, 0 or 0, -1). Call inside the caller's
    transaction, holding the post's row lock, before the post's tags could change."""
    execute(queries.COUNT_POST_TAGS, [post.group_id, shown, hidden, post.pk])


def group_tags_set(*, group: Group, names: list[str]) -> None:
    """Make the group's tags exactly `names`. Call inside the caller's transaction."""
    tags = tags_get_or_create(names)
    GroupTag.objects.filter(group=group).exclude(tag__in=tags).delete()
    GroupTag.objects.bulk_create(
        [GroupTag(group=group, tag=tag) for tag in tags], ignore_conflicts=True
    )
