"""Divan's user: Django's user plus the reputation that feed ranking reads."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    email = models.EmailField("email address", blank=True)
    # Earned from reactions to the user's content; ranking weighs authors by it.
    reputation = models.IntegerField(default=0)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="divan_user_email_ci_unique",
            ),
        ]
