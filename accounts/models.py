"""What accounts keep beyond allauth's: who may sign up (invitation links, accounts awaiting
approval; README, Sign-up and sign-in protection), and what leaving with your data keeps (the
archives people ask for, and the accounts deleted; README, Leaving with your data)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class SignupInvitation(models.Model):
    """A link that lets people sign up (the one way in when REGISTRATION_MODE is invite-only, and
    past approval when it is approval), a limited number of times until it expires; made by
    staff in the admin, or by a group's owners and admins, whose link also brings its users into
    their group. Only a digest of the link's key is kept: the link is shown once, when made."""

    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    group = models.ForeignKey(
        "communities.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signup_invitations",
        help_text="Who signs up with the link joins this group.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="signupinvitation_uses"),
            models.CheckConstraint(
                condition=Q(uses__lte=F("max_uses")), name="signupinvitation_not_overused"
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} ({self.uses}/{self.max_uses} used)"


class RegistrationApplication(models.Model):
    """An account made while REGISTRATION_MODE is approval: inactive (it cannot sign in) until
    staff approve it in the admin, which mails its owner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="registration_application",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        state = "approved" if self.approved_at else "awaiting approval"
        return f"{self.user_id}: {state}"


class ExportStatus(models.TextChoices):
    PENDING = "pending"  # asked for; a worker will build it
    BUILDING = "building"  # a worker holds it until `lease_until`
    READY = "ready"  # in storage under `key` until `expires_at`
    FAILED = "failed"  # EXPORT_BUILD_MAX_ATTEMPTS builds failed; ask again
    EXPIRED = "expired"  # its archive is deleted (or being deleted: `key` until it is)


IN_PROGRESS = (ExportStatus.PENDING, ExportStatus.BUILDING)


class DataExport(models.Model):
    """One archive of a person's data (accounts/services/exports.py): built by the task
    `accounts.export_build`, kept in the uploads' storage, offered to its owner alone until it
    expires, then deleted by beat's `accounts.sweep`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # a build claims the export by raising `attempts` and holding it until `lease_until`: a
    # second run of the task finds it held, and a killed one's lease runs out for the next
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    # when the sweep queues the build again (a lost task, or after a failed attempt)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # one export in progress per person: a second ask while one is pending or building
            # is refused by this index, not by a check that two requests could both pass
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=IN_PROGRESS),
                name="data_export_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-requested_at"], name="data_export_user_recent"),
            # the sweep's questions: what to build again, and what to expire
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=IN_PROGRESS),
                name="data_export_due",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=(ExportStatus.READY, ExportStatus.EXPIRED)) & ~Q(key=""),
                name="data_export_kept",
            ),
        ]

    def __str__(self) -> str:
        return f"export of user {self.user_id} ({self.status})"


class AccountDeletion(models.Model):
    """An account its owner deleted: the user row stays as an anonymous tombstone (foreign keys
    hold), and this record says when, and whether the work after the commit (a second sweep of
    what the account held, its files in storage) is done; beat's `accounts.sweep` runs it again
    until it is."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="deletion",
    )
    deleted_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["deleted_at"], condition=Q(finished_at=None), name="deletion_unfinished"
            )
        ]

    def __str__(self) -> str:
        return f"account {self.user_id} deleted at {self.deleted_at:%Y-%m-%d %H:%M}"
