"""What `make bench` measures. Each scenario seeds its own data in the scratch database."""

from communities.models import Reaction, Visibility
from communities.services.comments import comment_create
from communities.services.groups import group_create
from communities.services.membership import group_join
from communities.services.posts import post_create
from communities.services.reactions import reaction_add
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


def content(*, measure, concurrently, client_class):
    """Content: a group's post list, a 300-comment thread, tags, and reactions racing."""
    owner, reader = _users("content-owner", 2)
    group = group_create(creator=owner, name="Busy group", visibility=Visibility.PUBLIC)
    members = _users("member", 200)
    for user in [reader, *members]:
        group_join(user=user, group=group)
    tags = ["news", "help", "events", "books", "music"]
    posts = [
        post_create(author=members[n % 50], group=group, body=f"Post {n}", tags=tags[: n % 5 + 1])
        for n in range(300)
    ]
    for n, user in enumerate(members[:20]):
        reaction_add(user=user, kind="like", post=posts[-1 - n % 5])
    client = _client(client_class, reader)
    for size in (20, 100):
        measure(
            f"GET groups/{{id}}/posts/?page_size={size}",
            lambda size=size: client.get(
                f"/api/communities/v1/groups/{group.pk}/posts/", {"page_size": size}
            ),
        )
    thread_post = posts[0]
    parents = [None]
    for n in range(300):
        parent = parents[n % len(parents)]
        comment = comment_create(
            author=members[n % 200], post=thread_post, body=f"Comment {n}", parent=parent
        )
        if comment.depth < 6:
            parents.append(comment)
    for size in (20, 100):
        measure(
            f"GET posts/{{id}}/comments/?page_size={size}",
            lambda size=size: client.get(
                f"/api/communities/v1/posts/{thread_post.pk}/comments/", {"page_size": size}
            ),
        )
    measure("GET tags/?prefix=b", lambda: client.get("/api/communities/v1/tags/", {"prefix": "b"}))
    target = posts[1]
    clients = [_client(client_class, user) for user in members]
    url = f"/api/communities/v1/posts/{target.pk}/reactions/"
    kinds = ["like", "love", "laugh"]
    concurrently(
        "POST posts/{id}/reactions/ from 200 users x 3 kinds",
        [lambda c=c, k=k: c.post(url, {"kind": k}, format="json") for c in clients for k in kinds],
    )
    concurrently(
        "DELETE posts/{id}/reactions/?kind= from 200 users",
        [lambda c=c: c.delete(f"{url}?kind=like") for c in clients],
    )
    target.refresh_from_db()
    rows = Reaction.objects.filter(post=target).count()
    print(
        f"  reactions_count {target.reactions_count}, rows {rows}, per kind "
        f"{dict(sorted(target.reaction_counts.items()))} (expected 400, 400, like 0)"
    )


ALL = [groups, content]
