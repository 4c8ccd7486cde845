"""Staff's side of sign-up: invitation links, and approving accounts that wait for it (the
action and the filter are on the user list, divan.admin)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts.models import SignupInvitation
from accounts.services.registration import (
    application_approve,
    invitation_create,
    invitation_link,
    invitation_revoke_as_staff,
)


class AwaitingApprovalFilter(admin.SimpleListFilter):
    title = "approval"
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        return [("awaiting", "Awaiting approval"), ("approved", "Approved")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(
                registration_application__isnull=False,
                registration_application__approved_at__isnull=True,
            )
        if self.value() == "approved":
            return queryset.filter(registration_application__approved_at__isnull=False)
        return queryset


@admin.action(description="Approve the selected accounts (each owner is mailed)")
def approve_accounts(modeladmin, request, queryset):
    approved = application_approve(
        actor=request.user, user_ids=list(queryset.values_list("pk", flat=True))
    )
    names = ", ".join(user.username for user in approved) or "none"
    modeladmin.message_user(
        request,
        f"Approved {len(approved)} account(s) that waited: {names}.",
        messages.SUCCESS if approved else messages.WARNING,
    )


class SignupInvitationAddForm(forms.ModelForm):
    days = forms.IntegerField(help_text="How many days the link works.")

    class Meta:
        model = SignupInvitation
        fields = ("group", "max_uses")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.initial = settings.INVITATION_DAYS
        days.validators += [MinValueValidator(1), MaxValueValidator(settings.INVITATION_MAX_DAYS)]
        self.fields["max_uses"].validators += [
            MinValueValidator(1),
            MaxValueValidator(settings.INVITATION_MAX_USES),
        ]


@admin.register(SignupInvitation)
class SignupInvitationAdmin(admin.ModelAdmin):
    """Links are made here (the link is shown once, after saving) and revoked by the action;
    what a link is never changes after."""

    list_display = ("id", "group", "created_by", "expires_at", "uses", "max_uses", "revoked_at")
    list_filter = ("created_at", "expires_at", "revoked_at")
    list_select_related = ("group", "created_by")
    raw_id_fields = ("group",)
    readonly_fields = ("group", "created_by", "created_at", "expires_at", "max_uses", "uses",
                       "revoked_at")  # fmt: skip
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SignupInvitationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ("group", "max_uses", "days") if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of a link changes; the action revokes it
        invitation, key = invitation_create(
            actor=request.user,
            group=form.cleaned_data["group"],
            max_uses=form.cleaned_data["max_uses"],
            days=form.cleaned_data["days"],
            as_site_staff=True,
        )
        obj.pk = invitation.pk  # the service made the row: the admin logs and shows that one
        obj.refresh_from_db()
        self.message_user(
            request, f"The invitation link, shown this once: {invitation_link(key)}", messages.INFO
        )

    @admin.action(description="Revoke the selected invitation links")
    def revoke(self, request, queryset):
        revoked = invitation_revoke_as_staff(
            actor=request.user, invitation_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, f"Revoked {revoked} invitation link(s).")
