"""Filters of the asset ledger: each reads GET parameters and narrows a queryset on indexed columns.

The ledger list, its Excel export and the API share :class:`AssetFilter`, so the same parameters
give the same rows everywhere. Without a status the active ledger is shown (disposed cards stay in
the books with their history but leave the list, DOMAIN.md); ``status=disposed`` shows them,
``status=all`` shows everything.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import staff_queryset
from houqin.org.models import Department, Location

from .choices import AssetClass, AssetStatus
from .forms.ledger import set_category_choices
from .models import Asset, AssetCategory

User = get_user_model()

ALL_STATUSES = "all"
STATUS_CHOICES = [*AssetStatus.choices, (ALL_STATUSES, _("全部（含已处置）"))]


class AssetFilter(SchoolFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    category = django_filters.ModelChoiceFilter(
        queryset=AssetCategory.objects.none(), method="filter_category", label=_("资产分类")
    )
    location = django_filters.ModelChoiceFilter(
        queryset=Location.objects.none(), method="filter_location", label=_("存放地点")
    )
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.none(), label=_("使用部门"))
    custodian = django_filters.ModelChoiceFilter(queryset=User.objects.none(), label=_("责任人"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("状态"), empty_label=_("在账（不含已处置）")
    )
    asset_class = django_filters.ChoiceFilter(choices=AssetClass.choices, label=_("资产类别"))
    value_min = django_filters.NumberFilter(
        field_name="total_value", lookup_expr="gte", label=_("原值不低于（元）"), min_value=0
    )
    value_max = django_filters.NumberFilter(
        field_name="total_value", lookup_expr="lte", label=_("原值不高于（元）"), min_value=0
    )
    year = django_filters.NumberFilter(
        method="filter_year", label=_("取得年度"), min_value=1900, max_value=2100
    )

    class Meta:
        model = Asset
        fields = [
            "q",
            "category",
            "location",
            "department",
            "custodian",
            "status",
            "asset_class",
            "value_min",
            "value_max",
            "year",
        ]

    def __init__(self, data=None, *args, school, **kwargs):
        # always bound: no parameters still means "the active ledger", not "everything"
        super().__init__(data if data is not None else {}, *args, school=school, **kwargs)
        fields = self.form.fields
        set_category_choices(fields["category"], AssetCategory.objects.for_school(school))
        fields["location"].queryset = Location.objects.for_school(school).active().order_by("full_name")
        fields["location"].label_from_instance = lambda loc: loc.full_name
        fields["department"].queryset = Department.objects.for_school(school).active()
        fields["custodian"].queryset = staff_queryset(school)
        for name in ("value_min", "value_max", "year"):
            fields[name].widget.attrs.update({"inputmode": "decimal" if name != "year" else "numeric"})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.active()
        return queryset

    def filter_category(self, queryset, name, value):
        return queryset.in_category(value) if value else queryset

    def filter_location(self, queryset, name, value):
        return queryset.in_location(value) if value else queryset

    def filter_status(self, queryset, name, value):
        if not value or value == ALL_STATUSES:
            return queryset
        return queryset.filter(status=value)

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        year = int(value)
        # a date range, not __year, so the (school, acquired_on) index is used
        return queryset.filter(acquired_on__gte=dt.date(year, 1, 1), acquired_on__lte=dt.date(year, 12, 31))


def filtered_assets(school, params, queryset=None):
    """The rows the ledger shows for ``params`` (list, export and API)."""
    base = queryset if queryset is not None else Asset.objects.for_school(school)
    return AssetFilter(params, queryset=base, school=school).qs


__all__ = ["ALL_STATUSES", "AssetFilter", "filtered_assets"]
