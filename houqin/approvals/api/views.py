from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.approvals import permissions, services
from houqin.approvals.choices import Action
from houqin.approvals.models import ApprovalRequest
from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.views import SchoolScopedViewSet

from . import serializers


class ApprovalPermissions(SchoolModelPermissions):
    """Reading needs view_approvalrequest; deciding is an object rule checked by the services."""

    perms_map = {**SchoolModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


@extend_schema(
    parameters=[
        OpenApiParameter(
            "tab",
            str,
            enum=["pending", "done", "mine"],
            description="pending for me / done by me / my requests",
        )
    ]
)
class ApprovalRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    """我的审批: approvals I may see; ``?tab=pending`` (incl. as delegate), ``done`` or ``mine``.
    Decisions are POST actions calling the same services as the pages."""

    model = ApprovalRequest
    serializer_class = serializers.ApprovalRequestSerializer
    permission_classes = [ApprovalPermissions]
    filterset_fields = ["status", "document_type"]
    ordering_fields = ["submitted_at"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ApprovalDetailSerializer
        if self.action in {"approve", "reject", "return_", "withdraw"}:
            return serializers.DecisionSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        user, school = self.request.user, self.school
        qs = qs.filter(pk__in=ApprovalRequest.objects.visible_to(user, school).values("pk"))
        tab = self.request.query_params.get("tab")
        if tab == "pending":
            qs = qs.pending_for(user, school)
        elif tab == "done":
            qs = qs.done_by(user, school)
        elif tab == "mine":
            qs = qs.requested_by(user)
        return qs.for_list()

    def http_method_not_allowed(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.get_object()  # another school's id stays a 404
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _act(self, request, name: str):
        approval = self.get_object()
        serializer = serializers.DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not permissions.can_view(request.user, approval):
            raise Http404
        try:
            services.approval_act(actor=request.user, approval=approval, action=name, **data)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise exceptions.ValidationError(detail) from exc
        approval.refresh_from_db()
        return Response(serializers.ApprovalDetailSerializer(approval, context={"request": request}).data)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(request, Action.APPROVE)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, Action.REJECT)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._act(request, Action.RETURN)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, Action.WITHDRAW)
