from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from houqin.core.api.views import SchoolScopedViewSet
from houqin.notify import services
from houqin.notify.models import Notification

from . import serializers


class InCurrentSchool(BasePermission):
    """Signed in and acting in a school. Notifications are personal: no role permission needed."""

    def has_permission(self, request, view):
        return bool(
            request.user
            and request.user.is_authenticated
            and getattr(request._request, "school", None) is not None
        )


@extend_schema_view(
    list=extend_schema(
        summary=str(_("我的通知")),
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="only unread")],
    ),
    retrieve=extend_schema(summary=str(_("一条通知"))),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    """The signed-in person's notifications in the current school, newest first.

    ``PATCH {"is_read": true}`` marks one read; ``POST read-all/`` marks them all.
    """

    http_method_names = ["get", "patch", "post", "head", "options"]

    model = Notification
    serializer_class = serializers.NotificationSerializer
    permission_classes = [InCurrentSchool]
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]

    def base_queryset(self):
        return Notification.objects.for_user(self.request.user).select_related("actor")

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("unread") in ("1", "true", "True"):
            qs = qs.unread()
        return qs

    @extend_schema(
        request=serializers.NotificationReadSerializer,
        responses=serializers.NotificationSerializer,
        summary=str(_("标为已读")),
    )
    def partial_update(self, request, pk=None):
        """``{"is_read": true}`` marks it read. Read notifications stay read."""
        notification = self.get_object()
        data = serializers.NotificationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["is_read"]:
            services.notification_mark_read(user=request.user, notification=notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=serializers.MarkAllReadSerializer, summary=str(_("全部标为已读")))
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read_all")
    def read_all(self, request):
        marked = services.notification_mark_all_read(user=request.user, school=self.school)
        return Response({"marked": marked})
