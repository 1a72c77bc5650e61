from django.contrib.auth import get_user_model
from rest_framework import serializers

from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.org.models import Campus, Department, Location, Membership, Role, SchoolClass

User = get_user_model()


class CampusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campus
        fields = ["id", "name", "code", "address", "sort_order", "is_active"]
        read_only_fields = ["is_active"]


class LocationSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    custodian = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    custodian_detail = PersonSerializer(source="custodian", read_only=True, allow_null=True)

    class Meta:
        model = Location
        fields = [
            "id",
            "campus",
            "parent",
            "kind",
            "name",
            "code",
            "room_type",
            "custodian",
            "custodian_detail",
            "capacity",
            "area_m2",
            "note",
            "is_active",
            "full_name",
            "depth",
        ]
        read_only_fields = ["full_name", "depth"]
        validators = []  # uniqueness is checked by the service, with the school set

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["campus"].read_only = True
        return fields


class DepartmentSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    head = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    supervisor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Department
        fields = ["id", "name", "code", "head", "supervisor", "sort_order", "is_active"]
        validators = []


class SchoolClassSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    head_teacher = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SchoolClass
        fields = [
            "id",
            "grade",
            "number",
            "name",
            "enrollment_year",
            "head_teacher",
            "home_room",
            "student_count",
            "is_active",
        ]
        extra_kwargs = {"name": {"required": False}}
        validators = []


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "is_system", "permissions"]

    def get_permissions(self, role) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())


class MembershipSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    display_name = serializers.CharField(source="user.display_name", max_length=50)
    mobile = serializers.CharField(
        source="user.mobile", max_length=11, required=False, allow_blank=True, allow_null=True
    )
    email = serializers.EmailField(source="user.email", required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )
    roles = serializers.PrimaryKeyRelatedField(queryset=Role.objects.all(), many=True, required=False)

    class Meta:
        model = Membership
        fields = [
            "id",
            "username",
            "display_name",
            "mobile",
            "email",
            "password",
            "department",
            "title",
            "employee_no",
            "roles",
            "is_active",
        ]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["username"].read_only = True
        return fields

    def to_service_data(self, validated):
        data = dict(validated)
        user = data.pop("user", {})
        data.update(user)
        return data
