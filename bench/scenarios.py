"""What `make bench` measures. Each scenario seeds its own data in the scratch database."""

from communities.models import Visibility
from communities.services.groups import group_create
from communities.services.membership import group_join
from divan.models import User
from divan.services.users import token_issue


def _users(prefix: str, count: int) -> list[User]:
    users = [
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@bench.example") for n in range(count)
    ]
    User.objects.bulk_create(users)
    return list(User.objects.filter(username__startswith=prefix).order_by("id"))


def _client(client_class, user):
    client = client_class()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    return client


def groups(*, measure, concurrently, client_class):
    """Groups: list pages as a member of many groups, and joins."""
    owner, viewer = _users("groups-owner", 2)
    for n in range(500):
        visibility = (Visibility.PUBLIC, Visibility.PRIVATE, Visibility.SECRET)[n % 3]
        group = group_create(creator=owner, name=f"Bench group {n}", visibility=visibility)
        if visibility == Visibility.PUBLIC:
            group_join(user=viewer, group=group)
    client = _client(client_class, viewer)
    for size in (20, 100):
        measure(
            f"GET groups/?page_size={size}",
            lambda size=size: client.get("/api/communities/v1/groups/", {"page_size": size}),
        )
    target = group_create(creator=owner, name="Join target", visibility=Visibility.PUBLIC)
    joiners = [_client(client_class, user) for user in _users("joiner", 200)]
    concurrently(
        "POST groups/{id}/join/ from 200 users at once",
        [lambda c=c: c.post(f"/api/communities/v1/groups/{target.pk}/join/") for c in joiners],
    )
    target.refresh_from_db()
    print(f"  member_count after the joins: {target.member_count} (expected 201)")


ALL = [groups]
