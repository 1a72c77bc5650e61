from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "mobile", "is_active", "is_superuser")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Houqin", {"fields": ("display_name", "mobile")}),
    )
