"""Divan's user: Django's user plus the reputation that feed ranking reads."""

from django.contrib.auth.models import AbstractUser
from django.db import models, transaction

from divan.authentication import RECORD_FIELDS, token_records_forget_user, tokens_delete


class User(AbstractUser):
    # Not unique: an address nobody has verified proves nothing, and refusing one that is taken
    # would tell anyone which addresses have accounts here.
    email = models.EmailField("email address", blank=True)
    # Earned from reactions to the user's content; ranking weighs authors by it.
    reputation = models.IntegerField(default=0)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def save(self, *args, **kwargs):
        """A changed password deletes every API token of the user, in the same transaction;
        any other change of what a token's record holds (divan.authentication: deactivation,
        the username...) revokes the records, so that every process reads the user anew.

        The password is written by allauth's reset and change, the admin, `manage.py
        changepassword` and our own code: saving the user is the one place all of them pass, so
        the rule lives here rather than in a service each would have to call. set_password()
        keeps the new password in `_password` until the save; a hash upgraded at sign-in
        (check_password's setter) clears it first, so an upgrade revokes nothing. Sessions need
        nothing here: Django refuses a session whose password hash no longer matches."""
        update_fields = kwargs.get("update_fields")
        changed = (
            self._password is not None
            and not self._state.adding
            and (update_fields is None or "password" in update_fields)
        )
        record_changed = not self._state.adding and (
            update_fields is None or not RECORD_FIELDS.isdisjoint(update_fields)
        )
        if not changed:
            super().save(*args, **kwargs)
            if record_changed:
                token_records_forget_user(user_id=self.pk)
            return
        with transaction.atomic():
            super().save(*args, **kwargs)
            tokens_delete(user_id=self.pk)


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
