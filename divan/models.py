"""Divan's user: Django's user plus the reputation that feed ranking reads."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    # Not unique: an address nobody has verified proves nothing, and refusing one that is taken
    # would tell anyone which addresses have accounts here.
    email = models.EmailField("email address", blank=True)
    # Earned from reactions to the user's content; ranking weighs authors by it.
    reputation = models.IntegerField(default=0)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class OutboundMail(models.Model):
    """A mail on its way out (divan.mail): written in the sender's transaction, sent by a
    worker after the commit, tried again with backoff until sent or given up."""

    payload = models.JSONField(help_text="The message, until it is sent.")
    recipients = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # the sweep's and the metrics' question: what is still to send, oldest due first
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at=None, failed_at=None),
                name="outboundmail_due",
            ),
        ]

    def __str__(self) -> str:
        return f"mail {self.pk}: {self.payload.get('subject', '(sent)')}"
