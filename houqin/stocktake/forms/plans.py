"""Forms of the plans step: make a plan, change it, void it, name a location's counter, and the list's
filters. Forms parse input; ``services/plans.py`` decides, and its errors land on the form."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.assets.forms.ledger import set_category_choices
from houqin.assets.models import AssetCategory
from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import PersonChoiceField, SchoolFormMixin
from houqin.org.models import Department, Location

from ..choices import StocktakeKind, StocktakeStatus
from ..models import Stocktake

User = get_user_model()
DEFAULT_DAYS = 7  # a new plan's deadline, a week ahead unless changed


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StocktakeForm(SchoolFormMixin, forms.Form):
    """盘点计划: what and where to count, and by when. The counters are the rooms' custodians."""

    kind = forms.ChoiceField(label=_("盘点类型"), choices=[("", "---------"), *StocktakeKind.choices])
    title = forms.CharField(
        label=_("名称"),
        max_length=100,
        required=False,
        help_text=_("不填则按日期和类型命名，如“2026年1月期末盘点”。"),
    )
    deadline = forms.DateField(label=_("截止日期"), widget=_date_widget())
    scope_location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label=_("范围：位置"),
        empty_label=_("全校"),
        help_text=_(
            "只盘点该位置及其下级位置（楼宇、楼层、房间）的资产。按卡片上的存放地点生成盘点位置，"
            "每个位置的盘点人默认为该房间的保管责任人，没有保管人的位置可在盘点页面另行安排。"
        ),
    )
    scope_department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("范围：使用部门"),
        empty_label=_("全部部门"),
    )
    scope_category = forms.ModelChoiceField(
        queryset=AssetCategory.objects.none(),
        required=False,
        label=_("范围：资产分类"),
        empty_label=_("全部分类"),
        help_text=_("含下级分类。"),
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, school, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("deadline", timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS))
        super().__init__(*args, school=school, **kwargs)
        fields = self.fields
        fields["scope_location"].queryset = Location.objects.for_school(school).active().order_by("path")
        fields["scope_location"].label_from_instance = lambda loc: loc.full_name
        fields["scope_department"].queryset = Department.objects.for_school(school).active()
        set_category_choices(fields["scope_category"], AssetCategory.objects.for_school(school).active())


class StocktakeUpdateForm(SchoolFormMixin, forms.Form):
    """Title, deadline and note of an open plan (the scope is fixed by the snapshot)."""

    title = forms.CharField(label=_("名称"), max_length=100)
    deadline = forms.DateField(label=_("截止日期"), widget=_date_widget())
    note = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StocktakeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("作废原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：范围选错，重新建立")}),
        error_messages={"required": _("请填写作废原因。")},
    )


class StocktakeLocationAssignForm(SchoolFormMixin, forms.Form):
    counter = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("盘点人"),
        help_text=_("本校教职工均可；留空则暂不安排。新盘点人会收到通知。"),
    )


class StocktakeFilter(SchoolFilterSet):
    status = django_filters.ChoiceFilter(choices=StocktakeStatus.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=StocktakeKind.choices, label=_("盘点类型"))

    class Meta:
        model = Stocktake
        fields = ["q", "status", "kind"]

    def filter_q(self, queryset, name, value):
        """The plan's number (or its last digits) or a word of its title."""
        q = (value or "").strip()
        if not q:
            return queryset
        return queryset.filter(Q(number__icontains=q) | Q(title__icontains=q))
