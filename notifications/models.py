"""Notification storage: one row per recipient and item (an item folds several events of a
grouped type), the levels people set per group and per post, their per-type delivery, and the
chunks in which a large recipient set is written (each exactly once)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from communities.models import Comment, Group, Post
from notifications.types import TYPE_CHOICES, Delivery


class Notification(models.Model):
    """An item of a recipient's inbox. `group_key` is unique per recipient: for a type that
    does not fold it is "<type>:<event id>", so an event written twice notifies once; for a
    grouped type it names the target and the hour bucket, and each event folded in adds to
    `count` and `actor_ids` (its own dedup is the consumer's record of the event)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=32, choices=TYPE_CHOICES)
    group_key = models.CharField(max_length=200)
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # the latest actor, and the latest few (newest first) of a folded item
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    actor_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    count = models.IntegerField(default=1)
    # what a type adds: a moderator's reason, a new role, a report's outcome, a reaction's kind
    data = models.JSONField(default=dict, blank=True)
    event_id = models.UUIDField()  # the first event of the item
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)  # the last event folded in
    read_at = models.DateTimeField(null=True, blank=True)
    # by mail, once due (its type's delivery is mail): mailed with others due for the recipient
    mail_due_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "group_key"], name="notification_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient", "-id"], condition=Q(read_at__isnull=True),
                         name="notification_unread"),
            models.Index(fields=["group", "recipient"], name="notification_group"),
            models.Index(fields=["mail_due_at"], condition=Q(mailed_at__isnull=True,
                         mail_due_at__isnull=False), name="notification_mail_due"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.type} for user {self.recipient_id}"


class Level(models.TextChoices):
    """Per group: every new post (watching), replies and mentions (default), or nothing (muted).
    Per post: every comment in its thread (watching), or nothing from it (muted)."""

    WATCHING = "watching", "Watching"
    DEFAULT = "default", "Default"
    MUTED = "muted", "Muted"


class GroupLevel(models.Model):
    """A person's level for a group; no row is the default level."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="group_level_once"),
            models.CheckConstraint(condition=~Q(level="default"), name="group_level_not_default"),
        ]
        # a group's watchers, by user id: the chunks of a new post's recipients
        indexes = [models.Index(fields=["group", "level", "user"], name="group_level_watchers")]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.level} group {self.group_id}"


class PostLevel(models.Model):
    """A person's level for a post's thread; no row is the default (an author watches their
    own post without one)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="post_level_once"),
            models.CheckConstraint(condition=~Q(level="default"), name="post_level_not_default"),
        ]
        indexes = [models.Index(fields=["post", "level", "user"], name="post_level_watchers")]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.level} post {self.post_id}"


class TypeSetting(models.Model):
    """A person's delivery of one type, where it differs from the type's default (types.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    type = models.CharField(max_length=32, choices=TYPE_CHOICES)
    delivery = models.CharField(max_length=8, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "type"], name="notification_setting_once")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.type} {self.delivery}"


class MailSettings(models.Model):
    """A person's mail beyond the per-type settings: the digest of what is unread while they
    are away, and when the last one went."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    digest = models.BooleanField(default=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "mail settings"

    def __str__(self) -> str:
        return f"user {self.user_id}: digest {'on' if self.digest else 'off'}"


class RecipientChunk(models.Model):
    """The recipients of one event with user ids in (after_user_id, last_user_id] (the watchers
    of a group a post went to): planned with the consumer's record of the event, then written
    by a task in one set-based statement whose transaction marks the chunk done, so a chunk
    run twice or killed halfway notifies each recipient exactly once."""

    event_id = models.UUIDField()
    type = models.CharField(max_length=32, choices=TYPE_CHOICES)
    payload = models.JSONField(default=dict)
    after_user_id = models.BigIntegerField()
    last_user_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    rows = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "after_user_id"], name="recipient_chunk_once"
            )
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True),
                         name="recipient_chunk_pending")
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.type} of {self.event_id} to ({self.after_user_id}, {self.last_user_id}]"
