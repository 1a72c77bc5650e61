from django.contrib.auth import get_user_model
from rest_framework import serializers


class SchoolScopedSerializerMixin:
    """Related-object fields accept only objects of the current school (others: "does not exist")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        school = getattr(getattr(request, "_request", None), "school", None)
        User = get_user_model()
        for field in self.fields.values():
            target = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            if isinstance(target, serializers.PrimaryKeyRelatedField) and not target.read_only:
                model = target.queryset.model
                if model is User:
                    target.queryset = model.objects.filter(
                        memberships__school=school, memberships__is_active=True
                    ).distinct()
                elif any(f.name == "school" for f in model._meta.fields):
                    target.queryset = model.objects.filter(school=school)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(source="__str__", read_only=True)
