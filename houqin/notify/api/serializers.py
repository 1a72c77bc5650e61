from rest_framework import serializers

from houqin.notify.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    actor = serializers.StringRelatedField(allow_null=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "url",
            "actor",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


class MarkAllReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="how many were unread")


class NotificationReadSerializer(serializers.Serializer):
    is_read = serializers.BooleanField()
