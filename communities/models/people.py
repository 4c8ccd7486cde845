"""What one person keeps from another: a block or a mute, one row per pair.

A mute keeps a person's actions from notifying you; a block does that and leaves their posts
and comments out of your feeds, threads and search (communities/selectors/visibility.py joins
these rows to its tables; README, Blocks and mutes, says what each hides)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class BlockKind(models.TextChoices):
    MUTE = "mute", "Mute"
    BLOCK = "block", "Block"


class Block(models.Model):
    """`user` blocks or mutes `target`; a block replaces a mute of the same pair and the other
    way round (one row per pair)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=BlockKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # (user, target) is also the index every "did the recipient keep out the actor" uses
            models.UniqueConstraint(fields=["user", "target"], name="block_once"),
            models.CheckConstraint(condition=~Q(user=F("target")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.kind}s user {self.target_id}"
