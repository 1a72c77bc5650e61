"""Forms of the ledger: asset cards (with the custom fields of their category), status changes,
categories, custom fields and the school's asset settings. Forms parse and check input; the
services (``services/cards.py``) do the writing and check everything again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.org.forms import PersonChoiceField, SchoolFormMixin, staff_queryset
from houqin.org.models import Department, Location

from ..choices import ALLOWED_TRANSITIONS, AssetStatus, CustomFieldType
from ..models import Asset, AssetCategory, AssetCustomField, AssetSettings
from ..services.categories import SETTINGS_FIELDS, custom_fields_for

User = get_user_model()

CUSTOM_PREFIX = "cf_"


def category_label(category: AssetCategory) -> str:
    """Indented by depth, so a select shows the tree: ``　301 计算机设备``."""
    return f"{'　' * category.depth}{category.code} {category.name}"


def tree_order(categories) -> list[AssetCategory]:
    """Categories in tree order (each under its parent, siblings by code), whatever their ids.

    ``path`` holds ids, so ordering by it puts ``/13/`` before ``/2/``; the codes of the ancestors
    give the order a reader expects.
    """
    categories = list(categories)
    code = {c.pk: c.code for c in categories}

    def key(c):
        return [code.get(int(p), "") for p in c.path.strip("/").split("/") if p.isdigit()]

    return sorted(categories, key=key)


def set_category_choices(field: forms.ModelChoiceField, queryset, *, blank: bool = True) -> None:
    """A category select in tree order with indented labels (validation still uses ``queryset``)."""
    field.queryset = queryset
    empty = [("", field.empty_label or "---------")] if blank else []

    def choices():  # evaluated when the select is rendered, not when the form is built
        return [*empty, *((c.pk, category_label(c)) for c in tree_order(queryset.all()))]

    # the widget renders these; ``queryset`` still validates the value (a filter field's own
    # ``choices`` setter does not take a callable)
    field.widget.choices = choices


def _date_widget(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


# --- custom fields -----------------------------------------------------------------------------------


def custom_form_field(field: AssetCustomField) -> forms.Field:
    """The form input for one custom field of a category."""
    common = {"label": field.label, "required": field.required}
    if field.field_type == CustomFieldType.NUMBER:
        return forms.DecimalField(**common, widget=forms.NumberInput(attrs={"step": "any"}))
    if field.field_type == CustomFieldType.DATE:
        return forms.DateField(**common, widget=_date_widget())
    if field.field_type == CustomFieldType.CHOICE:
        choices = [("", "---------"), *((str(o), str(o)) for o in field.options)]
        return forms.ChoiceField(**common, choices=choices)
    return forms.CharField(**common, max_length=200)


def add_custom_fields(form: forms.Form, fields: list[AssetCustomField], values: dict[str, Any]) -> None:
    """Add ``cf_<key>`` inputs for ``fields`` to ``form``, filled from the card's stored ``values``."""
    form.custom_field_defs = fields
    for field in fields:
        name = CUSTOM_PREFIX + field.key
        form_field = custom_form_field(field)
        css = "form-select" if isinstance(form_field, forms.ChoiceField) else "form-control"
        form_field.widget.attrs.setdefault("class", css)
        form.fields[name] = form_field
        if field.key in values:
            form.initial[name] = values[field.key]


def custom_values(form: forms.Form) -> dict[str, Any]:
    """The custom field values as the service takes them (numbers as text, dates as dates)."""
    values: dict[str, Any] = {}
    for field in getattr(form, "custom_field_defs", []):
        value = form.cleaned_data.get(CUSTOM_PREFIX + field.key)
        if value in (None, ""):
            continue
        values[field.key] = str(value) if isinstance(value, Decimal) else value
    return values


class CustomFieldsMixin:
    @property
    def custom_bound_fields(self):
        return [self[CUSTOM_PREFIX + f.key] for f in getattr(self, "custom_field_defs", [])]


class CustomFieldsForm(CustomFieldsMixin, forms.Form):
    """Just the custom-field block: swapped into the card form by htmx when the category changes."""

    def __init__(self, *args, fields: list[AssetCustomField], values: dict[str, Any] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        add_custom_fields(self, fields, values or {})


# --- the asset card ---------------------------------------------------------------------------------

CARD_FORM_FIELDS = [
    "code",
    "name",
    "category",
    "spec_model",
    "brand",
    "serial_number",
    "quantity",
    "unit",
    "unit_price",
    "acquired_on",
    "acquisition_way",
    "funding_source",
    "supplier",
    "invoice_number",
    "warranty_until",
    "location",
    "department",
    "custodian",
    "is_bookable",
    "note",
]


class AssetForm(CustomFieldsMixin, SchoolFormMixin, forms.ModelForm):
    custodian = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("责任人"))

    CARD_FIELDS = CARD_FORM_FIELDS

    class Meta:
        model = Asset
        fields = CARD_FORM_FIELDS
        widgets = {"acquired_on": _date_widget(), "warranty_until": _date_widget()}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        fields = self.fields
        instance = self.instance

        def active_or_current(qs, current_id):
            # a card may stay where it is even if its place, department or category was switched off
            return qs.filter(Q(is_active=True) | Q(pk=current_id)) if current_id else qs.active()

        set_category_choices(
            fields["category"],
            active_or_current(AssetCategory.objects.for_school(school), instance.category_id),
        )
        fields["category"].widget.attrs.update(
            {
                "hx-get": reverse("assets:asset_form_fields"),
                "hx-trigger": "change",
                "hx-target": "#custom-fields",
                "hx-include": "#custom-fields",
            }
        )
        fields["location"].queryset = active_or_current(
            Location.objects.for_school(school), instance.location_id
        ).order_by("full_name")
        fields["location"].label_from_instance = lambda loc: loc.full_name
        fields["department"].queryset = active_or_current(
            Department.objects.for_school(school), instance.department_id
        )
        if instance.custodian_id:  # one who has left stays until the card is handed to someone else
            fields["custodian"].queryset = User.objects.filter(
                Q(pk__in=staff_queryset(school).values("pk")) | Q(pk=instance.custodian_id)
            ).order_by("display_name", "id")
        fields["acquired_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name in ("quantity", "unit_price"):
            fields[name].widget.attrs.update(
                {"min": "1" if name == "quantity" else "0", "inputmode": "decimal"}
            )
        if self.instance.pk:
            fields["code"].disabled = True  # the label on the item carries it
            fields["code"].help_text = _("资产编号登记后不能修改。")
        else:
            fields["code"].required = False
            fields["code"].help_text = _(
                "留空则自动生成，如 ZC-2026-00001；已有编号（如原系统卡片编号）可直接填写。"
            )
        self.category = self._chosen_category(school)
        add_custom_fields(self, custom_fields_for(self.category), dict(self.instance.custom_fields or {}))

    def _chosen_category(self, school) -> AssetCategory | None:
        if self.is_bound:
            raw = self.data.get(self.add_prefix("category"))
            if raw and str(raw).isdigit():
                return AssetCategory.objects.for_school(school).filter(pk=raw).first()
            return None
        initial = self.initial.get("category")
        if isinstance(initial, AssetCategory):
            return initial
        if initial and str(initial).isdigit():
            return AssetCategory.objects.for_school(school).filter(pk=initial).first()
        return self.instance.category if self.instance.category_id else None

    def validate_unique(self):
        # The service checks the code per school with the school set.
        pass

    @property
    def card_bound_fields(self):
        return [self[name] for name in self.CARD_FIELDS]

    def service_data(self) -> dict[str, Any]:
        """The cleaned card fields and custom values, as ``asset_create`` / ``asset_update`` take them."""
        data = {
            name: self.cleaned_data[name]
            for name in self.CARD_FIELDS
            if name in self.cleaned_data and not self.fields[name].disabled
        }
        data["custom_fields"] = custom_values(self)
        return data


class AssetStatusForm(forms.Form):
    """A status change by hand, with the reason on the card's record."""

    status = forms.ChoiceField(label=_("改为"), widget=forms.Select(attrs={"class": "form-select"}))
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("如：学期结束暂不使用、已修好恢复使用。"),
    )

    def __init__(self, *args, asset: Asset, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(asset.status, set())
        self.fields["status"].choices = [
            (value, label) for value, label in AssetStatus.choices if value in allowed
        ]


# --- categories, custom fields, settings --------------------------------------------------------------


class AssetCategoryForm(SchoolFormMixin, forms.ModelForm):
    class Meta:
        model = AssetCategory
        fields = [
            "parent",
            "code",
            "name",
            "useful_life_years",
            "is_special_equipment",
            "fixed_regardless_of_value",
            "is_active",
        ]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        parents = AssetCategory.objects.for_school(school)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        set_category_choices(self.fields["parent"], parents)
        self.fields["parent"].help_text = _("不选则为一级分类。")

    def validate_unique(self):
        pass


class AssetCustomFieldForm(SchoolFormMixin, forms.ModelForm):
    category = forms.ModelChoiceField(queryset=AssetCategory.objects.none(), label=_("资产分类"))
    options = forms.CharField(
        label=_("可选值"),
        required=False,
        help_text=_("类型为“选项”时填写，用逗号或顿号分隔，如：良好、一般、较差。"),
    )

    class Meta:
        model = AssetCustomField
        fields = ["key", "label", "field_type", "required", "sort_order", "is_active"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.order_fields(["category", "label", "key", "field_type", "options", "required", "sort_order"])
        set_category_choices(self.fields["category"], AssetCategory.objects.for_school(school))
        self.fields["category"].widget.attrs.setdefault("class", "form-select")
        self.fields["options"].widget.attrs.setdefault("class", "form-control")
        if self.instance.pk:
            self.fields["category"].disabled = True
            self.fields["category"].initial = self.instance.category
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("字段标识创建后不能修改（卡片上已保存的值用它对应）。")
            self.initial["options"] = "、".join(str(o) for o in self.instance.options)
        else:
            self.fields["key"].required = False
            self.fields["key"].help_text = _("英文字母、数字或下划线；留空则按字段名称的拼音生成。")

    def validate_unique(self):
        pass


class AssetSettingsForm(SchoolFormMixin, forms.ModelForm):
    class Meta:
        model = AssetSettings
        fields = SETTINGS_FIELDS


def parse_as_of(value: str | None) -> tuple[dt.date, bool]:
    """``?as_of=2026-08-31`` → (date, ok); a missing or bad date gives today."""
    today = timezone.localdate()
    if not value:
        return today, True
    try:
        return dt.date.fromisoformat(value), True
    except ValueError:
        return today, False
