"""Forms of the disposal area: the disposal (with the cards picked on the page) and the list filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.core.pinyin import normalise_query
from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import SchoolFormMixin

from ..choices import DisposalKind, DisposalStatus
from ..models import Asset, AssetDisposal


class DisposalForm(SchoolFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("处置方式"), choices=[("", "---------"), *DisposalKind.choices])
    reason = forms.CharField(
        label=_("处置理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：超过使用年限且无法修复，经鉴定报废。"),
    )
    counterparty = forms.CharField(
        label=_("接收单位/买受人"),
        max_length=100,
        required=False,
        help_text=_("调拨、出售、捐赠、置换时填写。"),
    )
    proceeds = forms.DecimalField(
        label=_("处置收入（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        label=_("资产"),
        error_messages={"invalid_choice": _("所选资产不存在。"), "invalid_pk_value": _("所选资产不存在。")},
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["assets"].queryset = Asset.objects.for_school(school)


class DisposalFilter(SchoolFilterSet):
    status = django_filters.ChoiceFilter(choices=DisposalStatus.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=DisposalKind.choices, label=_("处置方式"))

    class Meta:
        model = AssetDisposal
        fields = ["q", "status", "kind"]

    def filter_q(self, queryset, name, value):
        q = normalise_query(value)
        if not q:
            return queryset
        return queryset.filter(
            Q(number__icontains=q)
            | Q(items__asset__code__istartswith=q)
            | Q(items__asset__search_text__contains=q)
        ).distinct()
