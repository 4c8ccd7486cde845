"""Fixtures of the API tests beyond the shared worlds in tests/fixtures.py."""

import pytest

from communities.models import Visibility
from tests.fixtures import build_world


@pytest.fixture(params=[Visibility.PRIVATE, Visibility.SECRET])
def closed_world(request, db):
    """A world whose group takes invitations: private or secret."""
    return build_world(request.param)


@pytest.fixture
def every_kind_of_row(public_world):
    """One row behind every path parameter of the API, in a group the owner runs."""
    from accounts.services.exports import export_request
    from accounts.services.registration import invitation_create as signup_invitation_create
    from communities.services.blocks import block_set
    from communities.services.membership import group_join, invitation_create, membership_ban
    from communities.services.reactions import reaction_add
    from communities.services.reports import report_create
    from communities.services.uploads import upload_start
    from tests.factories import UserFactory
    from tests.fixtures import make_comment, make_group, make_post

    world = public_world
    post = make_post(group=world.group, author=world.user("member"))
    comment = make_comment(post=post, author=world.user("member"))
    reaction_add(user=world.user("owner"), kind="like", post=post)
    report, _ = report_create(reporter=world.user("moderator"), post_id=post.pk, reason="spam")
    closed = make_group(owner=world.user("owner"), visibility="private", name="Closed")
    request = group_join(user=UserFactory(), group=closed).join_request
    invitation, _ = invitation_create(
        actor=world.user("owner"), group=closed, user_id=UserFactory().pk
    )
    membership_ban(actor=world.user("owner"), group=closed, user_id=world.user("outsider").pk)
    block_set(user=world.user("owner"), target=world.user("member"), kind="mute")
    signup_link, _ = signup_invitation_create(actor=world.user("owner"), group=world.group)
    return {
        "groups": world.group.pk,
        "posts": post.pk,
        "comments": comment.pk,
        "members": world.user("member").pk,
        "users": world.user("member").username,
        "blocks": world.user("member").username,
        "bans": world.user("banned").pk,
        "reports": report.pk,
        "join-requests": request.pk,
        "invitations": invitation.pk,
        "signup-invitations": signup_link.pk,
        "closed": closed.pk,
        "export": export_request(user=world.user("owner")).pk,
        "uploads": upload_start(
            owner=world.user("owner"),
            filename="a.png",
            content_type="image/png",
            size=10,
            site="http://testserver",
        )[0].pk,
    }
