"""The browsable API shows no viewer more than the JSON answer to the same request.

Every value planted in a group (its description and tags, posts and comments shown, hidden and
deleted, a report's detail, moderation reasons, who is a member, asks to join, is invited or
banned) is a marked word. For every endpoint of the schema and every standing, the page that
`?format=api` draws, forms included, may hold a marked word only where the JSON answer holds it.
"""

import html

import pytest

from accounts.services.exports import export_request
from accounts.services.registration import invitation_create
from communities.models import Visibility
from communities.services.comments import comment_delete, comment_hide
from communities.services.groups import group_update
from communities.services.membership import membership_ban
from communities.services.posts import post_delete, post_hide
from communities.services.reactions import reaction_add
from communities.services.reports import report_create
from communities.services.uploads import upload_start
from tests.api.helpers import concrete, pending_invitation, pending_join_request, schema_paths
from tests.factories import UserFactory
from tests.fixtures import VIEWERS, build_world, client_for, make_comment, make_post

pytestmark = pytest.mark.django_db

MARK = "zq"  # every planted word starts with it, and nothing else in a page does


def _planted(visibility: str):
    """A world in which every row an endpoint can name holds marked words; its rows by the
    path segment that names them, and every marked word."""
    world = build_world(visibility)
    owner, member = world.user("owner"), world.user("member")
    group_update(
        actor=owner, group=world.group, description=f"{MARK}description", tags=[f"{MARK}grouptag"]
    )
    post = make_post(
        group=world.group, author=member, title=f"{MARK}title", body=f"{MARK}body",
        tags=[f"{MARK}posttag"],
    )  # fmt: skip
    hidden_post = make_post(group=world.group, author=member, body=f"{MARK}hiddenbody")
    post_hide(actor=owner, post=hidden_post, reason=f"{MARK}hidereason")
    post_delete(
        actor=member, post=make_post(group=world.group, author=member, body=f"{MARK}deletedbody")
    )
    comment = make_comment(post=post, author=member, body=f"{MARK}comment")
    hidden_comment = make_comment(post=post, author=member, body=f"{MARK}hiddencomment")
    make_comment(post=post, author=owner, body=f"{MARK}reply", parent=hidden_comment)
    comment_hide(actor=owner, comment=hidden_comment, reason=f"{MARK}commenthidereason")
    comment_delete(
        actor=member, comment=make_comment(post=post, author=member, body=f"{MARK}deletedcomment")
    )
    reaction_add(user=world.user("moderator"), kind="love", post=post)
    reaction_add(user=world.user("admin"), kind="wow", comment=comment)
    report, _ = report_create(
        reporter=member, post_id=post.pk, reason="spam", detail=f"{MARK}reportdetail"
    )
    banned = UserFactory(username=f"{MARK}banneduser")
    membership_ban(actor=owner, group=world.group, user_id=banned.pk, reason=f"{MARK}banreason")
    join_request = pending_join_request(world, username=f"{MARK}applicant")
    world.users["applicant"] = join_request.user
    invitation = None
    if visibility != Visibility.PUBLIC:
        invitation = pending_invitation(world, username=f"{MARK}invitee")
        world.users["invitee"] = invitation.user
    rows = {
        "groups": world.group.pk,
        "posts": post.pk,
        "comments": comment.pk,
        "members": member.pk,
        "users": member.username,
        "blocks": member.username,
        "bans": banned.pk,
        "reports": report.pk,
        "join-requests": join_request.pk,
        "invitations": invitation.pk if invitation else 999_999,
        "signup-invitations": invitation_create(actor=owner, group=world.group)[0].pk,
        "export": export_request(user=member).pk,
        "uploads": upload_start(
            owner=member,
            filename=f"{MARK}filename.png",
            content_type="image/png",
            size=10,
            site="http://testserver",
        )[0].pk,
    }
    hidden_rows = {**rows, "posts": hidden_post.pk, "comments": hidden_comment.pk}
    words = {
        f"{MARK}{word}"
        for word in (
            "description", "grouptag", "title", "body", "posttag", "hiddenbody", "hidereason",
            "deletedbody", "comment", "hiddencomment", "reply", "commenthidereason",
            "deletedcomment", "reportdetail", "banneduser", "banreason",
        )
    }  # fmt: skip
    words |= {user.username for user in world.users.values() if user is not None}
    return world, (rows, hidden_rows), words


def _marked(text: str, words: set[str]) -> set[str]:
    return {word for word in words if word in text}


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET])
def test_no_page_of_the_browsable_api_shows_more_than_the_json(visibility):
    world, row_sets, words = _planted(visibility)
    templates = schema_paths()
    paths = sorted({concrete(template, rows) for rows in row_sets for template in templates})
    assert len(paths) >= 45
    viewers = [*VIEWERS, "applicant", *(["invitee"] if visibility != Visibility.PUBLIC else [])]

    leaks, pages = {}, 0
    for who in viewers:
        viewer = world.user(who)
        client = client_for(viewer)
        words_for_viewer = words - {viewer.username} if viewer else words  # named in the header
        for path in paths:
            page = client.get(path, {"format": "api"})
            answer = client.get(path, HTTP_ACCEPT="application/json")
            assert page.status_code == answer.status_code, (who, path)
            assert page["Content-Type"].startswith("text/html"), (who, path)
            # A username in the path (users/{username}/) is the viewer's own words.
            hidden = words_for_viewer - set(path.split("/"))
            shown = _marked(html.unescape(page.content.decode()), hidden)
            extra = shown - _marked(answer.content.decode(), hidden)
            if extra:
                leaks[f"{who} GET {path}"] = sorted(extra)
            pages += 1
    assert leaks == {}
    assert pages == len(viewers) * len(paths)


def test_an_owners_edit_forms_start_blank(private_world):
    """The fix's cost, stated: the PUT/PATCH forms no longer show the group's current values,
    to the owner either; the JSON above them does."""
    group_update(
        actor=private_world.user("owner"), group=private_world.group, tags=[f"{MARK}grouptag"]
    )
    client = client_for(private_world.user("owner"))
    url = f"/api/communities/v1/groups/{private_world.group.pk}/"

    page = html.unescape(client.get(url, {"format": "api"}).content.decode())

    assert 'name="_content"' in page  # the raw PATCH form is there
    assert page.count(f"{MARK}grouptag") == 1  # in the JSON answer only, not in a form


def test_a_form_sent_back_with_errors_keeps_what_was_typed_and_shows_the_errors(public_world):
    """What the caller sent is theirs to see again: only an object's serializer is dropped."""
    client = client_for(public_world.user("member"))

    response = client.post(
        "/api/communities/v1/groups/",
        {"name": f"{MARK}typed", "visibility": "nowhere"},
        format="json",
        HTTP_ACCEPT="text/html",
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert f'value="{MARK}typed"' in page  # the HTML form, filled with what was sent
    assert '<span class="help-block">&quot;nowhere&quot; is not a valid choice.</span>' in (
        response.content.decode()
    )
