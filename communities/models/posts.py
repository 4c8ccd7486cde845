"""Posts and topic tags. Counters are stored on the row and kept exact by the services."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from communities.models.groups import Group
from communities.rules import NOT_DELETED


class Tag(models.Model):
    """A topic: a normalized, lowercase slug shared by posts and groups."""

    name = models.SlugField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts"
    )
    title = models.CharField(max_length=300, blank=True, default="")
    body = models.TextField()
    tags = models.ManyToManyField(Tag, through="PostTag", related_name="posts")
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    # The post list's order, newest first with pinned posts ahead: the id, plus PINNED_OFFSET
    # while pinned. One unique, indexed column keeps cursor pagination exact and cheap.
    sort_key = models.BigIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reactions_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)  # {"like": 3, "love": 1}
    comments_count = models.PositiveIntegerField(default=0)
    # Title (weight A) and body (B) as services.search computes them; NULL while the post is
    # hidden or deleted, or not indexed yet: such a post is found by nobody.
    search_vector = SearchVectorField(null=True)

    PINNED_OFFSET = 2**62

    class Meta:
        indexes = [
            models.Index(
                fields=["group", "-sort_key"],
                name="post_group_list_idx",
                condition=NOT_DELETED.q(),
            ),
            models.Index(fields=["author", "-id"], name="post_author_idx"),
            GinIndex(fields=["search_vector"], name="post_search_gin"),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:40]


class PostTag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="post_tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "tag"], name="post_tag_unique")]

    def __str__(self) -> str:
        return f"{self.post_id} #{self.tag_id}"


class GroupTag(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="group_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="group_tags")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "tag"], name="group_tag_unique")]

    def __str__(self) -> str:
        return f"{self.group_id} #{self.tag_id}"


class TagCount(models.Model):
    """How many of a group's live posts carry a tag: `shown_posts` that anyone who may read the
    group sees, `hidden_posts` that only its moderators see (deleted posts count in neither).
    The tag list sums these over the groups a viewer may read, so its cost follows groups and
    tags, not posts. The post services keep both exact in the transaction of each change, each
    change in one statement that locks the rows in tag order; a row whose counts fall to zero
    stays, and reads skip it. (No CHECK on the counts: PostgreSQL checks an upsert's proposed
    row, which holds the change, not the total.)"""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="tag_counts")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="counts")
    shown_posts = models.IntegerField(default=0)
    hidden_posts = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "tag"], name="tag_count_unique")]

    def __str__(self) -> str:
        return f"{self.group_id} #{self.tag_id}: {self.shown_posts} + {self.hidden_posts}"
