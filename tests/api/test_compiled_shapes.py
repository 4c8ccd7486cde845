"""The API's shapes, compiled (divan/api/shapes.py), say on real pages what DRF's field-by-field
serialization of the same declared fields says: posts, a thread with its placeholders, groups."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers

from communities.api.comments import CommentSerializer
from communities.api.serializers import PostSerializer
from communities.selectors.comments import comment_thread
from communities.selectors.posts import post_list
from communities.selectors.visibility import group_access, post_access
from communities.services.comments import comment_delete, comment_hide, comment_update
from communities.services.posts import post_hide, post_pin, post_update
from communities.services.reactions import reaction_add
from tests.fixtures import make_comment, make_post

pytestmark = pytest.mark.django_db


def declared(serializer_class, instance) -> dict:
    """What DRF's own field-by-field serialization makes of the instance."""
    return serializers.ModelSerializer.to_representation(serializer_class(), instance)


@pytest.fixture
def content(public_world):
    world = public_world
    member, moderator = world.user("member"), world.user("moderator")
    plain = make_post(group=world.group, author=member, body="plain")
    tagged = make_post(group=world.group, author=moderator, title="T", body="b", tags=["b", "a"])
    post_update(actor=moderator, post=tagged, body="edited")
    post_pin(actor=moderator, post=tagged)
    hidden = make_post(group=world.group, author=member, body="hidden")
    post_hide(actor=moderator, post=hidden)
    for user, kind in ((member, "love"), (member, "like"), (moderator, "like")):
        reaction_add(user=user, kind=kind, post=plain)
    comment = make_comment(post=plain, author=member, body="c")
    reply = make_comment(post=plain, author=moderator, body="r", parent=comment)
    reaction_add(user=member, kind="wow", comment=reply)
    comment_hide(actor=moderator, comment=make_comment(post=plain, author=member, body="h"))
    # placeholders: a deleted comment and a hidden one, each kept for its reply
    deleted = make_comment(post=plain, author=member, body="d")
    make_comment(post=plain, author=moderator, body="under d", parent=deleted)
    reaction_add(user=moderator, kind="like", comment=deleted)
    comment_delete(actor=member, comment=deleted)
    removed = make_comment(post=plain, author=member, body="x")
    comment_update(actor=member, comment=removed, body="x, edited")
    make_comment(post=plain, author=member, body="under x", parent=removed)
    reaction_add(user=member, kind="love", comment=removed)
    comment_hide(actor=moderator, comment=removed)
    return world, plain


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_a_post_page_is_what_the_declared_fields_say(content, who):
    world, _plain = content
    viewer = world.user(who) or AnonymousUser()
    posts = list(
        post_list(viewer=viewer, access=group_access(viewer=viewer, group_id=world.group.pk))
    )
    assert len(posts) == (3 if who == "moderator" else 2)

    for post in posts:
        assert PostSerializer(post).data == declared(PostSerializer, post)


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_a_thread_page_is_what_the_declared_fields_say(content, who):
    world, plain = content
    viewer = world.user(who) or AnonymousUser()
    _post, access = post_access(viewer=viewer, post_id=plain.pk)
    comments = list(comment_thread(viewer=viewer, access=access, post_id=plain.pk))
    assert len(comments) == (7 if who == "moderator" else 6)

    for comment in comments:
        assert CommentSerializer(comment).data == declared(CommentSerializer, comment)
    placeholders = [c for c in CommentSerializer(comments, many=True).data if c["author"] is None]
    assert [(c["body"], c["reactions_count"]) for c in placeholders] == [
        ("[deleted]", 0),
        *([] if who == "moderator" else [("[removed]", 0)]),
    ]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member", "owner"])
def test_a_group_page_is_what_the_declared_fields_say(world, who):
    from communities.api.serializers import GroupSerializer
    from communities.selectors.groups import group_list
    from communities.services.groups import group_update

    group_update(actor=world.user("owner"), group=world.group, tags=["b", "a"])
    viewer = world.user(who) or AnonymousUser()
    groups = list(group_list(viewer=viewer))
    assert len(groups) == (0 if who in ("anonymous", "outsider") and world.group.visibility ==
                           "secret" else 1)  # fmt: skip

    for group in groups:
        assert GroupSerializer(group).data == declared(GroupSerializer, group)
