"""Topic tags: the tags/ list with per-viewer post counts, prefixes and pages; tags on groups and
the groups/?tag= filter."""

import pytest

from communities.models import Group, GroupTag, Tag, Visibility
from communities.services.groups import group_archive, group_create, group_update
from communities.services.posts import post_create, post_delete, post_hide
from tests.api.post_helpers import API, content_snapshot, make_post
from tests.factories import UserFactory
from tests.fixtures import add_member, build_world, client_for, make_group

pytestmark = pytest.mark.django_db

TAGS = f"{API}/tags/"
GROUPS = f"{API}/groups/"


def tag_counts(client, **params) -> dict[str, int]:
    body = client.get(TAGS, {"page_size": 100, **params}).json()
    return {tag["name"]: tag["post_count"] for tag in body["results"]}


@pytest.fixture
def worlds(db):
    """Posts tagged across a public, a private and a secret group, one hidden, one deleted."""
    public, private, secret = (build_world(v) for v in ("public", "private", "secret"))
    make_post(public, who="member", tags=["python", "django"])
    make_post(public, who="member", tags=["python"])
    hidden = make_post(public, who="member", tags=["python", "spam"])
    post_hide(actor=public.user("moderator"), post=hidden)
    deleted = make_post(public, who="member", tags=["gone"])
    post_delete(actor=public.user("member"), post=deleted)
    make_post(private, who="member", tags=["python", "bookclub"])
    make_post(secret, who="member", tags=["founders", "python"])
    return public, private, secret


# --- tags/ -----------------------------------------------------------------------------------


def test_tag_counts_only_count_posts_the_viewer_may_read(worlds):
    public, private, secret = worlds

    assert tag_counts(client_for()) == {"django": 1, "python": 2}
    assert tag_counts(public.client("outsider")) == {"django": 1, "python": 2}
    assert tag_counts(public.client("banned")) == {"django": 1, "python": 2}
    assert tag_counts(public.client("member")) == {"django": 1, "python": 2}
    assert tag_counts(public.client("moderator")) == {"django": 1, "python": 3, "spam": 1}
    assert tag_counts(private.client("member")) == {"bookclub": 1, "django": 1, "python": 3}
    assert tag_counts(private.client("outsider")) == {"django": 1, "python": 2}
    assert tag_counts(secret.client("member")) == {"django": 1, "founders": 1, "python": 3}
    assert tag_counts(secret.client("banned")) == {"django": 1, "python": 2}


def test_tags_of_an_archived_group_are_no_longer_counted(worlds):
    secret = worlds[2]

    group_archive(actor=secret.user("owner"), group=secret.group)

    assert tag_counts(secret.client("member")) == {"django": 1, "python": 2}


def test_the_prefix_filter_is_normalized(worlds):
    public, *_ = worlds
    make_post(public, who="member", tags=["pytest", "machine-learning"])
    client = client_for()

    assert tag_counts(client, prefix="py") == {"python": 2, "pytest": 1}
    assert tag_counts(client, prefix="PY") == {"python": 2, "pytest": 1}
    assert tag_counts(client, prefix="Machine ") == {"machine-learning": 1}
    assert tag_counts(client, prefix="fo") == {}  # "founders" lives in the secret group only
    assert tag_counts(client, prefix="%") == {}
    assert tag_counts(client, prefix="") == {"django": 1, "machine-learning": 1, "python": 2,
                                             "pytest": 1}  # fmt: skip


def test_tags_are_paged_by_name(db):
    world = build_world("public")
    names = [f"tag-{n:02}" for n in range(25)]
    for start in range(0, 25, 5):
        make_post(world, who="member", tags=names[start : start + 5])
    client = client_for()

    seen, url = [], f"{TAGS}?page_size=10"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 10
        seen.extend(tag["name"] for tag in body["results"])
        url = body["next"]

    assert seen == names


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_tag_list_costs_the_same_queries_for_any_page_size(who, django_assert_max_num_queries):
    world = build_world("private")
    public = make_group(owner=world.user("owner"), visibility=Visibility.PUBLIC, name="Open")
    for start in range(0, 60, 10):  # 60 tags in all, each on a few posts of either group
        tags = [f"topic-{n:02}" for n in range(start, start + 10)]
        make_post(world, who="member", tags=tags)
        make_post(world, who="member", tags=tags)
        post_create(author=world.user("owner"), group=public, body="x", tags=tags)
    client = world.client(who)
    client.get(TAGS)

    for page_size in (1, 50):
        with django_assert_max_num_queries(2):
            response = client.get(TAGS, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size


def test_writing_to_tags_is_not_allowed(db):
    response = client_for(UserFactory()).post(TAGS, {"name": "x"}, format="json")

    assert response.status_code == 405
    assert Tag.objects.count() == 0


# --- group tags ------------------------------------------------------------------------------


def test_a_group_is_created_with_normalized_tags(db):
    response = client_for(UserFactory()).post(
        GROUPS, {"name": "Owls", "tags": ["Birds", "night life", "birds"]}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["tags"] == ["birds", "night-life"]
    group = Group.objects.get()
    assert sorted(group.tags.values_list("name", flat=True)) == ["birds", "night-life"]


@pytest.mark.parametrize(
    ("tags", "errors"),
    [
        ([f"t{n}" for n in range(11)], ["Ensure there are no more than 10 tags."]),
        (["!!!"], ["A tag must contain a letter or a digit: '!!!'."]),
        (["a" * 33], [f"Ensure each tag has no more than 32 characters: '{'a' * 33}'."]),
        ("birds", ['Expected a list of items but got type "str".']),
    ],
)
def test_bad_group_tags_are_400_and_create_nothing(db, tags, errors):
    response = client_for(UserFactory()).post(GROUPS, {"name": "Owls", "tags": tags}, format="json")

    assert response.status_code == 400
    assert response.json() == {"tags": errors}
    assert (Group.objects.count(), Tag.objects.count(), GroupTag.objects.count()) == (0, 0, 0)


def test_admins_replace_a_groups_tags(db):
    world = build_world("public")
    url = f"{GROUPS}{world.group.pk}/"
    world.client("owner").patch(url, {"tags": ["a", "b"]}, format="json")

    response = world.client("admin").patch(url, {"tags": ["B", "c"]}, format="json")

    assert response.status_code == 200
    assert response.json()["tags"] == ["b", "c"]
    assert world.client("anonymous").get(url).json()["tags"] == ["b", "c"]
    assert sorted(world.group.tags.values_list("name", flat=True)) == ["b", "c"]


def test_others_cannot_change_a_groups_tags(db):
    world = build_world("public")
    url = f"{GROUPS}{world.group.pk}/"
    world.client("owner").patch(url, {"tags": ["a"]}, format="json")

    for who in ("moderator", "member", "outsider", "banned"):
        response = world.client(who).patch(url, {"tags": ["hacked"]}, format="json")
        assert response.status_code == 403
    assert world.client("anonymous").patch(url, {"tags": ["x"]}, format="json").status_code == 401
    assert list(world.group.tags.values_list("name", flat=True)) == ["a"]
    assert Tag.objects.count() == 1


def test_a_bad_tag_update_changes_nothing(db):
    world = build_world("public")
    url = f"{GROUPS}{world.group.pk}/"
    world.client("owner").patch(url, {"tags": ["a"]}, format="json")

    response = world.client("owner").patch(
        url, {"name": "Renamed", "tags": [f"t{n}" for n in range(11)]}, format="json"
    )

    assert response.status_code == 400
    world.group.refresh_from_db()
    assert world.group.name != "Renamed"
    assert list(world.group.tags.values_list("name", flat=True)) == ["a"]


def test_the_group_list_filters_by_tag_without_revealing_secret_groups(db):
    owner = UserFactory()
    birds = make_group(owner=owner, name="Birds")
    secret_birds = make_group(owner=owner, name="Hidden birds", visibility=Visibility.SECRET)
    cats = make_group(owner=owner, name="Cats")
    for group, tags in ((birds, ["birds"]), (secret_birds, ["birds"]), (cats, ["cats"])):
        client_for(owner).patch(f"{GROUPS}{group.pk}/", {"tags": tags}, format="json")
    member = UserFactory()
    add_member(secret_birds, member)

    def listed(client, tag):
        return [g["id"] for g in client.get(GROUPS, {"tag": tag}).json()["results"]]

    assert listed(client_for(), "Birds") == [birds.pk]
    assert listed(client_for(UserFactory()), "birds") == [birds.pk]
    assert listed(client_for(member), "birds") == [secret_birds.pk, birds.pk]
    assert listed(client_for(), "cats") == [cats.pk]
    assert listed(client_for(), "dogs") == []
    bad = client_for().get(GROUPS, {"tag": "a" * 33})
    assert bad.status_code == 400
    assert list(bad.json()) == ["tag"]


def test_the_group_list_with_tags_costs_the_same_queries_for_any_page_size(
    django_assert_max_num_queries,
):
    owner = UserFactory()
    for n in range(50):
        group_create(creator=owner, name=f"Group {n}", visibility="public", tags=[f"g{n}", "all"])
    client = client_for(owner)
    client.get(GROUPS)

    for page_size in (1, 50):
        with django_assert_max_num_queries(3):
            results = client.get(GROUPS, {"page_size": page_size, "tag": "all"}).json()["results"]
        assert len(results) == page_size
        assert all(sorted(group["tags"]) == group["tags"] and "all" in group["tags"]
                   for group in results)  # fmt: skip


def test_a_refused_post_creates_no_tags(db):
    world = build_world("public")
    before = content_snapshot()

    response = world.client("outsider").post(
        f"{GROUPS}{world.group.pk}/posts/", {"body": "x", "tags": ["new-tag"]}, format="json"
    )

    assert response.status_code == 403
    assert content_snapshot() == before


def test_a_private_groups_tags_are_its_members_business(db):
    world = build_world("private")
    group_update(actor=world.user("owner"), group=world.group, tags=["topsecret-project"])
    groups_url = "/api/communities/v1/groups/"

    for who in ("anonymous", "outsider", "banned"):
        client = world.client(who)
        assert client.get(f"{groups_url}{world.group.pk}/").json()["tags"] == [], who
        listed = client.get(groups_url, {"tag": "topsecret-project"}).json()["results"]
        assert listed == [], who
    for who in ("member", "moderator", "owner"):
        client = world.client(who)
        assert client.get(f"{groups_url}{world.group.pk}/").json()["tags"] == ["topsecret-project"]
        listed = client.get(groups_url, {"tag": "topsecret-project"}).json()["results"]
        assert [group["id"] for group in listed] == [world.group.pk], who
    stranger = client_for(UserFactory())
    assert stranger.get(groups_url).json()["results"][0]["tags"] == []
