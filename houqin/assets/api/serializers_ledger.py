"""Serializers of the ledger API: they parse input; the services (``services/cards.py``) write."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import AuditEventSerializer
from houqin.org.models import Department, Location

from .. import services
from ..actions import asset_actions
from ..choices import AssetStatus
from ..models import Asset, AssetCategory, AssetCustomField

User = get_user_model()


class AssetSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    """One card. ``code`` blank on create → generated; it cannot change afterwards."""

    code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    custodian = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    location_name = serializers.CharField(source="location.full_name", read_only=True, allow_null=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    custodian_detail = PersonSerializer(source="custodian", read_only=True, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    asset_class_label = serializers.CharField(source="get_asset_class_display", read_only=True)
    custom_fields = serializers.DictField(required=False)

    class Meta:
        model = Asset
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_name",
            "spec_model",
            "brand",
            "serial_number",
            "quantity",
            "unit",
            "unit_price",
            "total_value",
            "asset_class",
            "asset_class_label",
            "acquired_on",
            "acquisition_way",
            "funding_source",
            "supplier",
            "invoice_number",
            "warranty_until",
            "location",
            "location_name",
            "department",
            "department_name",
            "custodian",
            "custodian_detail",
            "status",
            "status_label",
            "is_bookable",
            "custom_fields",
            "note",
            "source",
            "last_used_on",
            "disposed_on",
        ]
        read_only_fields = [
            "total_value",
            "asset_class",
            "status",
            "source",
            "last_used_on",
            "disposed_on",
        ]
        validators = []  # the code is checked per school by the service

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["code"].read_only = True  # printed on the label; never changes
        return fields


class AssetCustomValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class AssetActionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class AssetDetailSerializer(AssetSerializer):
    """The card as its page shows it: net value (``?as_of=``), classification, custom field
    values with their labels, the actions the user may take, and the timeline."""

    net_value = serializers.SerializerMethodField()
    net_value_as_of = serializers.SerializerMethodField()
    life_years = serializers.SerializerMethodField()
    custom_field_values = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = [
            *AssetSerializer.Meta.fields,
            "net_value",
            "net_value_as_of",
            "life_years",
            "custom_field_values",
            "actions",
            "timeline",
        ]

    def _as_of(self):
        return self.context.get("as_of") or timezone.localdate()

    def _rules(self, asset):
        cache = self.context.setdefault("_rules", {})
        if asset.category_id not in cache:
            cache[asset.category_id] = services.rules_for_category(asset.category)
        return cache[asset.category_id]

    def get_net_value(self, asset) -> str:
        return str(services.asset_net_value(asset, as_of=self._as_of(), rules=self._rules(asset)))

    def get_net_value_as_of(self, asset) -> str:
        return self._as_of().isoformat()

    def get_life_years(self, asset) -> int | None:
        return self._rules(asset).life_years

    def get_custom_field_values(self, asset) -> list[dict]:
        values = dict(asset.custom_fields or {})
        rows = [
            {"key": f.key, "label": f.label, "value": values.pop(f.key, None)}
            for f in services.custom_fields_for(asset.category)
        ]
        rows += [{"key": k, "label": k, "value": v} for k, v in values.items()]
        return AssetCustomValueSerializer(rows, many=True).data

    def get_actions(self, asset) -> list[dict]:
        request = self.context.get("request")
        user = request.user if request is not None else None
        return [{"key": a.key, "label": str(a.label), "url": a.url} for a in asset_actions(asset, user)]

    def get_timeline(self, asset) -> list[dict]:
        from houqin.core import audit

        school = self.context["request"]._request.school
        events = audit.timeline(asset, school=school).select_related("target_type")[:50]
        data = AuditEventSerializer(events, many=True).data
        for row, event in zip(data, events, strict=True):
            row["verb_label"] = event.verb_label
            row["change_rows"] = [
                {"field": label, "old": str(old), "new": str(new)} for label, old, new in event.change_rows
            ]
        return data


class AssetStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AssetStatus.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AssetCategorySerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=AssetCategory.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = AssetCategory
        fields = [
            "id",
            "parent",
            "code",
            "name",
            "useful_life_years",
            "is_special_equipment",
            "fixed_regardless_of_value",
            "is_active",
            "depth",
        ]
        read_only_fields = ["depth"]
        validators = []


class OptionList(serializers.ListField):
    """The options of a choice field: texts of up to 100 characters. One flat message on error
    (DRF's per-item error object would not be the documented list of strings)."""

    child = serializers.CharField(allow_blank=True, max_length=100)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError:
            raise serializers.ValidationError(_("可选值应为文字列表，每个最多 100 个字。")) from None


class AssetCustomFieldSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    key = serializers.SlugField(max_length=40, required=False, allow_blank=True)
    options = OptionList(required=False)

    class Meta:
        model = AssetCustomField
        fields = [
            "id",
            "category",
            "key",
            "label",
            "field_type",
            "options",
            "required",
            "sort_order",
            "is_active",
        ]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["category"].read_only = True
            fields["key"].read_only = True
        return fields
