"""Compiled shapes (divan/api/shapes.py) say what DRF's field-by-field serialization says, for
every field kind they compile, and refuse any other kind when the class is made."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from communities.models import Comment, Group, Post, Visibility
from divan.api.serializers import UserSummarySerializer, user_summary
from divan.api.shapes import CompiledShape
from divan.models import User

WHEN = datetime.datetime(2026, 12, 6, 10, 30, 15, 123456, tzinfo=datetime.UTC)


class EveryKindSerializer(CompiledShape, serializers.ModelSerializer):
    count = serializers.IntegerField(source="reactions_count")
    big = serializers.BigIntegerField(source="pk")
    text = serializers.CharField(source="title")
    slug = serializers.SlugField(source="body")
    on = serializers.BooleanField(source="pinned")
    visibility = serializers.ChoiceField(choices=Visibility.choices, source="group.visibility")
    stored = serializers.ReadOnlyField(source="tag_names")
    author = UserSummarySerializer(read_only=True, allow_null=True)
    edited = serializers.DateTimeField(source="edited_at", format="%Y-%m-%d")
    viewer = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = (
            "id",
            "group",
            "count",
            "big",
            "text",
            "slug",
            "on",
            "visibility",
            "stored",
            "author",
            "edited",
            "edited_at",
            "created_at",
            "viewer",
        )
        read_only_fields = fields

    def get_viewer(self, post) -> list:
        return [self.context["viewer"], post.pk]


class CommentKeysSerializer(CompiledShape, serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ("id", "post", "parent", "depth")
        read_only_fields = fields


def drf(serializer, instance) -> dict:
    """What DRF's own field-by-field serialization makes of the instance."""
    return serializers.ModelSerializer.to_representation(serializer, instance)


def a_post(*, edited_at, author) -> Post:
    post = Post(
        id=2**40,
        group=Group(id=7, visibility=Visibility.PRIVATE),
        title="A title",
        body="a-slug",
        pinned=True,
        reactions_count=3,
        edited_at=edited_at,
        created_at=WHEN,
        author=author,
    )
    post.tag_names = ["a", "b"]
    return post


@pytest.mark.parametrize("edited_at", [WHEN, None])
def test_every_kind_is_what_drf_says(edited_at):
    post = a_post(edited_at=edited_at, author=User(id=5, username="ada", reputation=2))
    serializer = EveryKindSerializer(context={"viewer": "ada"})

    shown = EveryKindSerializer(post, context={"viewer": "ada"}).data

    assert shown == drf(serializer, post)
    assert list(shown) == list(EveryKindSerializer.Meta.fields)
    assert shown["group"] == 7 and shown["big"] == 2**40 and shown["viewer"] == ["ada", 2**40]
    assert shown["author"] == {"id": 5, "username": "ada", "reputation": 2}
    assert shown["edited_at"] == (None if edited_at is None else "2026-12-06T10:30:15.123456Z")


def test_a_missing_nested_row_and_foreign_keys_are_none_as_drf_says():
    post = a_post(edited_at=None, author=None)
    post.author_id = None
    serializer = EveryKindSerializer(context={"viewer": None})
    shown = serializer.to_representation(post)
    assert shown["author"] is None
    assert shown == drf(serializer, post)

    comment = Comment(id=3, post_id=2, parent_id=None, depth=0)
    assert CommentKeysSerializer(comment).data == drf(CommentKeysSerializer(), comment)
    assert CommentKeysSerializer(comment).data["parent"] is None


def test_a_list_and_a_summary_are_the_same_shape():
    users = [User(id=1, username="a", reputation=0), User(id=2, username="b", reputation=9)]
    assert UserSummarySerializer(users, many=True).data == [
        drf(UserSummarySerializer(), user) for user in users
    ]
    assert user_summary(users[1]) == {"id": 2, "username": "b", "reputation": 9}
    assert user_summary(None) is None


def refused(**declared) -> str:
    with pytest.raises(ImproperlyConfigured) as refusal:
        type(
            "Refused",
            (CompiledShape, serializers.ModelSerializer),
            {
                **declared,
                "__module__": __name__,
                "Meta": type("Meta", (), {"model": Post, "fields": tuple(declared)}),
            },
        )
    return str(refusal.value)


@pytest.mark.parametrize(
    "field",
    [
        serializers.FloatField(source="reactions_count"),
        serializers.DateField(source="created_at"),
        serializers.ListField(source="tag_names"),
        serializers.BigIntegerField(source="pk", coerce_to_string=True),
        serializers.CharField(source="*"),
        serializers.CharField(source="get_deferred_fields"),
        serializers.PrimaryKeyRelatedField(source="author.pk", read_only=True),
        serializers.StringRelatedField(source="group"),
        UserSummarySerializer(source="author", many=True),
    ],
)
def test_a_kind_without_a_fast_form_is_refused_when_the_class_is_made(field):
    assert refused(refused_field=field).startswith("Refused.refused_field: ")


def test_a_nested_shape_with_method_fields_is_refused():
    class WithMethod(CompiledShape, serializers.Serializer):
        name = serializers.SerializerMethodField()

        def get_name(self, user) -> str:
            return user.username

    assert "method fields" in refused(author=WithMethod())


def test_a_hand_built_twin_is_refused():
    with pytest.raises(ImproperlyConfigured, match="state it twice"):

        class Twin(UserSummarySerializer):
            def to_representation(self, user):
                return {"id": user.pk}
