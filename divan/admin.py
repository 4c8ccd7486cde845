from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as AuthGroup
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.admin import AwaitingApprovalFilter, approve_accounts
from accounts.forms import AdminSignInForm
from divan.authentication import token_records_forget
from divan.models import OutboundMail, User

# The admin's password form cannot ask for a second factor: it refuses accounts that have one.
admin.site.login_form = AdminSignInForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "reputation", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", AwaitingApprovalFilter, "date_joined")
    actions = [approve_accounts]  # REGISTRATION_MODE=approval (accounts.registration)
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Divan", {"fields": ("reputation",)}))
    readonly_fields = ("reputation",)  # moved only by reactions, in their transaction

    def has_delete_permission(self, request, obj=None):
        # Deleting a user would take their memberships and reactions out from under the stored
        # counters: deactivate the account (is_active) instead.
        return False


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(DrfTokenAdmin):
    """DRF's token pages; a token deleted or given to someone else here is refused at once by
    every process (its record in Redis revoked: divan.authentication)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            token_records_forget([obj.key])

    def delete_model(self, request, obj):
        key = obj.key  # a deleted instance's primary key is None
        super().delete_model(request, obj)
        token_records_forget([key])

    def delete_queryset(self, request, queryset):
        keys = list(queryset.values_list("key", flat=True))
        super().delete_queryset(request, queryset)
        token_records_forget(keys)


# One "Groups" in the admin: Divan's communities. Django's permission groups are not used here
# (staff get is_staff and permissions of their own), so their admin is unregistered.
admin.site.unregister(AuthGroup)


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    """The mail queue (divan.mail), to read: what waits, what went, what was given up and why.
    A sent mail's text is already gone; nothing here sends, edits or deletes."""

    list_display = ("id", "subject", "created_at", "attempts", "next_attempt_at", "sent_at",
                    "failed_at")  # fmt: skip
    list_filter = (
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
        "created_at",
    )
    ordering = ("-created_at",)
    fields = ("subject", "recipients", "created_at", "attempts", "next_attempt_at", "sent_at",
              "failed_at", "last_error")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="subject")
    def subject(self, mail: OutboundMail) -> str:
        return mail.payload.get("subject", "(sent)")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
