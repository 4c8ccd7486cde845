from django.apps import AppConfig


class DivanConfig(AppConfig):
    name = "divan"
    verbose_name = "Divan platform"

    def ready(self):
        from django.db.models.signals import post_delete
        from rest_framework.authtoken.models import Token

        from divan.authentication import token_deleted
        from divan.mail import register

        register()
        # Cache invalidation, not business logic: a token deleted by any path (the shell's
        # user.delete() cascades to it) loses its Redis record at once.
        post_delete.connect(token_deleted, sender=Token, dispatch_uid="divan.token_deleted")
