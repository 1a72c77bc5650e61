from rest_framework import serializers

from houqin.approvals.models import ApprovalRequest, ApprovalStep, ApprovalTask
from houqin.core.api.serializers import PersonSerializer


class ApprovalTaskSerializer(serializers.ModelSerializer):
    approver = PersonSerializer(read_only=True)
    acted_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ApprovalTask
        fields = ["id", "approver", "status", "acted_by", "decided_at", "comment", "meeting_record"]


class ApprovalStepSerializer(serializers.ModelSerializer):
    tasks = ApprovalTaskSerializer(many=True, read_only=True)
    approver = serializers.CharField(source="approver_label", read_only=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "round",
            "order",
            "name",
            "kind",
            "rule",
            "approver",
            "min_amount",
            "mode",
            "status",
            "tasks",
        ]


class ApprovalRequestSerializer(serializers.ModelSerializer):
    requester = PersonSerializer(read_only=True)
    document_type_label = serializers.CharField(read_only=True)
    current_step = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "document_type",
            "document_type_label",
            "target_id",
            "title",
            "amount",
            "requester",
            "department",
            "status",
            "round",
            "version",
            "current_step",
            "submitted_at",
            "finished_at",
        ]

    def get_current_step(self, obj) -> dict | None:
        step = obj.current_step
        return {"order": step.order, "name": step.name} if step else None


class ApprovalDetailSerializer(ApprovalRequestSerializer):
    steps = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ApprovalRequestSerializer.Meta):
        fields = [*ApprovalRequestSerializer.Meta.fields, "steps", "actions"]

    def get_steps(self, obj) -> list[dict]:
        steps = (
            obj.steps.filter(round=obj.round)
            .order_by("order")
            .prefetch_related("tasks__approver", "tasks__acted_by")
        )
        return ApprovalStepSerializer(steps, many=True).data

    def get_actions(self, obj) -> list[str]:
        from houqin.approvals.services import available_actions

        return available_actions(obj, self.context["request"].user)


class DecisionSerializer(serializers.Serializer):
    """The version (and step) the decision was taken on: a stale one is refused."""

    version = serializers.IntegerField(required=False, allow_null=True)
    step_order = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    meeting_record = serializers.CharField(required=False, allow_blank=True, default="")
