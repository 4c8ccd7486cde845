"""The one tag rule (a pure function) and the race-safe get-or-create of Tag rows."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import override_settings

from communities.models import Tag
from communities.services.tags import (
    tag_normalize,
    tag_prefix_normalize,
    tags_get_or_create,
    tags_normalize,
)
from divan.exceptions import InvalidInput


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("python", "python"),
        ("Python", "python"),
        ("  Machine Learning  ", "machine-learning"),
        ("machine--learning", "machine-learning"),
        ("C++", "c"),
        ("Café", "cafe"),
        ("web_dev", "web_dev"),
        ("-edge-", "edge"),
        ("2024", "2024"),
        ("a" * 32, "a" * 32),
        ("x!!!", "x"),
    ],
)
def test_tags_become_lowercase_slugs(raw, name):
    assert tag_normalize(raw) == name


@pytest.mark.parametrize("raw", ["", "   ", "!!!", "---", "___", "日本", "🙂"])
def test_a_tag_without_a_letter_or_digit_is_refused(raw):
    with pytest.raises(ValueError, match="must contain a letter or a digit"):
        tag_normalize(raw)


def test_a_tag_longer_than_the_limit_is_refused():
    with pytest.raises(ValueError, match="no more than 32 characters"):
        tag_normalize("a" * 33)


@override_settings(TAG_MAX_LENGTH=5)
def test_the_length_limit_is_a_setting():
    assert tag_normalize("abcde") == "abcde"
    with pytest.raises(ValueError, match="no more than 5 characters"):
        tag_normalize("abcdef")


def test_tags_are_deduplicated_in_first_seen_order():
    assert tags_normalize(["Python", "django", "PYTHON", " python "], limit=10) == [
        "python",
        "django",
    ]


def test_duplicates_do_not_count_against_the_limit():
    assert tags_normalize(["a", "A", "b", "B"], limit=2) == ["a", "b"]


def test_more_distinct_tags_than_the_limit_is_refused():
    with pytest.raises(InvalidInput) as raised:
        tags_normalize([f"t{n}" for n in range(11)], limit=10)
    assert raised.value.detail == {"tags": ["Ensure there are no more than 10 tags."]}


def test_every_bad_tag_is_named_under_the_given_field():
    with pytest.raises(InvalidInput) as raised:
        tags_normalize(["ok", "!!!", "b" * 33], limit=10, field="tag")
    assert raised.value.detail == {
        "tag": [
            "A tag must contain a letter or a digit: '!!!'.",
            f"Ensure each tag has no more than 32 characters: '{'b' * 33}'.",
        ]
    }


def test_no_tags_is_fine():
    assert tags_normalize([], limit=10) == []


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [("Py", "py"), ("  machine ", "machine-"), ("Machine  Le", "machine-le"), ("", "")],
)
def test_prefixes_are_normalized_like_the_start_of_a_tag(raw, prefix):
    assert tag_prefix_normalize(raw) == prefix


@pytest.mark.django_db
def test_get_or_create_returns_rows_in_order_and_reuses_existing_ones():
    existing = Tag.objects.create(name="django")

    tags = tags_get_or_create(["python", "django", "celery"])

    assert [tag.name for tag in tags] == ["python", "django", "celery"]
    assert tags[1].pk == existing.pk
    assert Tag.objects.count() == 3
    assert tags_get_or_create([]) == []


@pytest.mark.usefixtures("connection_heavy")
@pytest.mark.django_db(transaction=True)
def test_concurrent_get_or_create_of_the_same_names_makes_one_row_each():
    names = [f"topic-{n}" for n in range(5)]
    workers = 20
    barrier = threading.Barrier(workers)

    def create(_):
        try:
            barrier.wait(timeout=30)
            return [tag.pk for tag in tags_get_or_create(names)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(create, range(workers)))

    assert Tag.objects.count() == 5
    expected = list(Tag.objects.filter(name__in=names).values_list("pk", flat=True))
    assert all(sorted(pks) == sorted(expected) for pks in results)
    assert results[0] == [Tag.objects.get(name=name).pk for name in names]
