"""Forms of borrowing (借用): book, lend, return, cancel, and the loan list's filters.

Forms parse input; the services (``services/loans.py``) decide and their errors land on the form.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.core.pinyin import normalise_query
from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import PersonChoiceField, staff_queryset

from ..choices import Condition, LoanStatus
from ..models import Asset, AssetCategory, AssetLoan

User = get_user_model()

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type="datetime-local">``: the phone's own date and time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format=DATETIME_FORMAT)


def _condition_field(label, *, initial=Condition.GOOD):
    return forms.ChoiceField(
        label=label,
        choices=Condition.choices,
        initial=initial,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class AssetLoanForm(forms.Form):
    """Book an asset (预约). The asset clerk also picks the borrower and may lend at once."""

    borrower = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("借用人"),
        help_text=_("不选则为自己。"),
        widget=forms.Select(attrs={"class": "form-select", "data-tomselect": ""}),
    )
    # not required when the clerk lends at the counter (the loan starts now); checked in clean()
    starts_at = forms.DateTimeField(label=_("借用开始"), required=False, widget=DateTimeLocalInput())
    due_at = forms.DateTimeField(label=_("应还时间"), widget=DateTimeLocalInput())
    quantity = forms.IntegerField(
        label=_("数量"), min_value=1, initial=1, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    purpose = forms.CharField(
        label=_("用途"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：公开课录像")}),
    )
    lend_now = forms.BooleanField(
        label=_("现在就借出（当面交付）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    condition_out = _condition_field(_("借出时状况"))

    def __init__(self, *args, school, asset, manager: bool, **kwargs):
        self.school = school
        self.asset = asset
        self.manager = manager
        super().__init__(*args, **kwargs)
        if manager:
            self.fields["borrower"].queryset = staff_queryset(school)
        else:
            for name in ("borrower", "lend_now", "condition_out"):
                del self.fields[name]
        if asset.quantity <= 1:
            self.fields["quantity"].widget = forms.HiddenInput()
        else:
            self.fields["quantity"].max_value = asset.quantity
            self.fields["quantity"].help_text = _("这张卡片共 %(total)s %(unit)s。") % {
                "total": asset.quantity,
                "unit": asset.unit,
            }

    def clean(self):
        data = super().clean()
        if data.get("lend_now"):
            data.pop("starts_at", None)  # lent at the counter: the loan starts now
        elif not data.get("starts_at") and "starts_at" not in self.errors:
            self.add_error("starts_at", _("请填写借用开始时间。"))
        return data


class LoanLendForm(forms.Form):
    condition_out = _condition_field(_("借出时状况"))
    note = forms.CharField(
        label=_("备注"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class LoanReturnForm(forms.Form):
    condition_in = _condition_field(_("归还时状况"))
    note = forms.CharField(
        label=_("备注"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：镜头盖丢失")}),
    )


class LoanCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class AssetLoanFilter(SchoolFilterSet):
    status = django_filters.ChoiceFilter(choices=LoanStatus.choices, label=_("状态"))
    starts_from = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        label=_("借用开始自"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_to = django_filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        label=_("借用开始至"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AssetLoan
        fields = ["q", "status", "starts_from", "starts_to"]

    def filter_q(self, queryset, name, value):
        """Loan number, the asset's code / name / pinyin, or the borrower's name / pinyin."""
        q = normalise_query(value)
        if not q:
            return queryset
        return queryset.filter(
            Q(number__iexact=q)
            | Q(number__iendswith=q)
            | Q(asset__code__iexact=q)
            | Q(asset__search_text__contains=q)
            | Q(borrower__search_text__contains=q)
        )


class BookableAssetFilter(SchoolFilterSet):
    """The bookable equipment list: search (name, code, pinyin) and category (with sub-categories)."""

    category = django_filters.ModelChoiceFilter(
        queryset=AssetCategory.objects.none(), method="filter_category", label=_("资产分类")
    )

    class Meta:
        model = Asset
        fields = ["q", "category"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        categories = AssetCategory.objects.for_school(school).filter(is_active=True)
        self.filters["category"].queryset = categories
        self.form.fields["category"].queryset = categories

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value) if value else queryset
