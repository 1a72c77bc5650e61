"""Django admin is for the platform operator (superuser): districts, schools, supervisors.

School staff manage their own school in the Houqin pages, where every write goes through services.
"""

from django.contrib import admin

from .models import DistrictSupervisor, EducationDistrict, School


@admin.register(EducationDistrict)
class EducationDistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "district", "is_active")
    list_filter = ("kind", "is_active", "district")
    search_fields = ("name", "code")
    list_select_related = ("district",)

    def has_add_permission(self, request):
        return False  # new schools: `manage.py create_school` (seeds roles through the service)


@admin.register(DistrictSupervisor)
class DistrictSupervisorAdmin(admin.ModelAdmin):
    list_display = ("user", "district")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "district")
