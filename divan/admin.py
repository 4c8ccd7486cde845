from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group as AuthGroup

from accounts.admin import AwaitingApprovalFilter, approve_accounts
from accounts.forms import AdminSignInForm
from divan.models import User

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


# One "Groups" in the admin: Divan's communities. Django's permission groups are not used here
# (staff get is_staff and permissions of their own), so their admin is unregistered.
admin.site.unregister(AuthGroup)
