"""Forms of transfers (调配): start one, refuse one, and the list's filters.

Forms parse input; ``services/transfers.py`` decides, and its errors land on the form.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.core.pinyin import normalise_query
from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import PersonChoiceField, SchoolFormMixin
from houqin.org.models import Department, Location

from ..choices import TransferStatus
from ..models import Asset, AssetTransfer, AssetTransferItem

User = get_user_model()


def asset_label(asset: Asset) -> str:
    """``ZC-2026-00001 台式电脑 · 电脑室 · 张老师``: enough to tell two cards apart on a phone."""
    parts = [f"{asset.code} {asset.name}"]
    if asset.location_id:
        parts.append(asset.location.name)
    if asset.custodian_id:
        parts.append(str(asset.custodian))
    return " · ".join(parts)


class AssetPickerWidget(forms.SelectMultiple):
    """A multiple select that renders only the chosen cards (a school may hold 100,000); the rest are
    found by typing, through ``data-asset-search`` (js/asset_picker.js, Tom Select remote search)."""

    def __init__(self, *, search_url: str = "", attrs=None):
        super().__init__(attrs={"class": "form-select", **(attrs or {})})
        if search_url:
            self.attrs["data-asset-search"] = search_url


class AssetTransferForm(SchoolFormMixin, forms.Form):
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.all(),
        label=_("调配的资产"),
        help_text=_("输入资产编号、名称或拼音首字母查找，可选多项。"),
        error_messages={"required": _("请选择要调配的资产。"), "invalid_choice": _("所选资产不存在。")},
    )
    to_custodian = PersonChoiceField(
        queryset=User.objects.none(),
        label=_("接收责任人"),
        help_text=_("由接收人在“我的待办”中确认后，资产才转到其名下。"),
    )
    to_location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, label=_("调入地点"), help_text=_("不选则地点不变。")
    )
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        label=_("调入部门"),
        help_text=_("不选则部门不变。"),
    )
    reason = forms.CharField(label=_("调配原因"), max_length=200, required=False)

    def __init__(self, *args, school, search_url: str = "", **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["to_location"].queryset = Location.objects.for_school(school).active().order_by("path")
        self.fields["to_location"].label_from_instance = lambda loc: loc.full_name
        self.fields["to_department"].queryset = Department.objects.for_school(school).active()
        field = self.fields["assets"]
        field.queryset = Asset.objects.for_school(school)
        field.widget = AssetPickerWidget(search_url=search_url)
        field.widget.choices = self._chosen_choices(school)

    def _chosen_choices(self, school) -> list[tuple[int, str]]:
        if self.is_bound:
            raw = self.data.getlist(self.add_prefix("assets")) if hasattr(self.data, "getlist") else []
        else:
            raw = self.initial.get("assets") or []
        ids = [int(v.pk if hasattr(v, "pk") else v) for v in raw if str(getattr(v, "pk", v)).isdigit()]
        if not ids:
            return []
        chosen = Asset.objects.for_school(school).filter(pk__in=ids).select_related("location", "custodian")
        return [(a.pk, asset_label(a)) for a in chosen]


class TransferRejectForm(forms.Form):
    note = forms.CharField(
        label=_("拒收原因"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("如：房间放不下，请另行安排")}
        ),
        error_messages={"required": _("请填写拒收原因。")},
    )


class AssetTransferFilter(SchoolFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices, label=_("状态"))

    class Meta:
        model = AssetTransfer
        fields = ["q", "status"]

    def filter_q(self, queryset, name, value):
        """The transfer's number, or an asset in it by code, name or pinyin."""
        q = normalise_query(value)
        if not q:
            return queryset
        assets = Asset.objects.for_school(self.school).filter(
            Q(code__iexact=q) | Q(code__istartswith=q) | Q(search_text__contains=q)
        )
        lines = AssetTransferItem.objects.filter(asset__in=assets).values("transfer_id")
        return queryset.filter(Q(number__icontains=q) | Q(pk__in=lines))
