from django.contrib.auth.models import Permission
from django.db.models import Prefetch
from rest_framework import mixins

from houqin.core.api.views import SchoolReadWriteViewSet, SchoolScopedViewSet
from houqin.org import services
from houqin.org.filters import LocationFilter
from houqin.org.models import Campus, Department, Location, Membership, Role, SchoolClass

from . import serializers


class CampusViewSet(SchoolReadWriteViewSet):
    model = Campus
    serializer_class = serializers.CampusSerializer

    def perform_service_create(self, data):
        return services.campus_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        return services.campus_update(actor=self.request.user, campus=instance, data=data)


class LocationViewSet(SchoolReadWriteViewSet):
    """Places: building > floor > room, or outdoor areas. Filter with ?kind=room&campus=1&q=dn."""

    model = Location
    serializer_class = serializers.LocationSerializer
    filterset_class = None
    ordering_fields = ["path", "name", "code"]

    def base_queryset(self):
        return Location.objects.select_related("custodian")

    def filter_queryset(self, queryset):
        if self.request.query_params:
            filterset = LocationFilter(self.request.query_params, queryset=queryset, school=self.school)
            if not filterset.is_valid():
                from rest_framework.exceptions import ValidationError

                raise ValidationError(filterset.errors)
            queryset = filterset.qs
        return super().filter_queryset(queryset)

    def perform_service_create(self, data):
        return services.location_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        data.pop("campus", None)
        return services.location_update(actor=self.request.user, location=instance, data=data)


class DepartmentViewSet(SchoolReadWriteViewSet):
    model = Department
    serializer_class = serializers.DepartmentSerializer

    def perform_service_create(self, data):
        data.pop("is_active", None)
        return services.department_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        return services.department_update(actor=self.request.user, department=instance, data=data)


class SchoolClassViewSet(SchoolReadWriteViewSet):
    model = SchoolClass
    serializer_class = serializers.SchoolClassSerializer
    filterset_fields = ["grade", "is_active"]

    def perform_service_create(self, data):
        data.pop("is_active", None)
        return services.school_class_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        return services.school_class_update(actor=self.request.user, school_class=instance, data=data)


class MembershipViewSet(SchoolReadWriteViewSet):
    """Staff of the school (教职工): the account and the place in this school."""

    model = Membership
    serializer_class = serializers.MembershipSerializer
    filterset_fields = ["department", "is_active"]

    def base_queryset(self):
        return Membership.objects.select_related("user").prefetch_related("roles")

    def perform_service_create(self, data):
        data = self.get_serializer().to_service_data(data)
        data.pop("is_active", None)
        return services.membership_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        data = self.get_serializer().to_service_data(data)
        data.pop("username", None)
        data.pop("password", None)
        return services.membership_update(actor=self.request.user, membership=instance, data=data)


class RoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    model = Role
    serializer_class = serializers.RoleSerializer

    def base_queryset(self):
        return Role.objects.prefetch_related(
            Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
        )
