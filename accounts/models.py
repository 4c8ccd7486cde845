"""Who may sign up (README, Sign-up and sign-in protection): invitation links, and the
accounts waiting for staff to approve them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


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
