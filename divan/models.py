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
