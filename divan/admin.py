from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from divan.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "reputation", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("-date_joined",)
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Divan", {"fields": ("reputation",)}))
