"""Forms of the counting step: a scan (typed code, or the label's URL) and an unknown item (盘盈).

They only parse; the numbers (quantity, estimated value) are checked by the services, so the page,
the phone's queued requests and the API give the same messages.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.assets.models import AssetCategory

from ..choices import CountCondition


def new_client_key() -> str:
    """A key for a form rendered by the server: pressing the button twice, or again after a lost
    answer, sends the same key and the service saves it once."""
    return str(uuid.uuid4())


class CountForm(forms.Form):
    code = forms.CharField(
        label=_("资产编号"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}
        ),
    )
    # text, not a number field: the service answers "数量应为整数" like it does for the phone and API
    quantity = forms.CharField(label=_("实盘数量"), max_length=20, required=False)
    condition = forms.ChoiceField(
        label=_("状况"), choices=CountCondition.choices, initial=CountCondition.GOOD, required=False
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    client_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    photo = forms.FileField(label=_("照片"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())

    def clean_condition(self) -> str:
        return self.cleaned_data.get("condition") or CountCondition.GOOD


class SurplusForm(forms.Form):
    name = forms.CharField(label=_("物品名称"), max_length=100)
    spec_model = forms.CharField(label=_("规格型号"), max_length=100, required=False)
    quantity = forms.CharField(label=_("数量"), max_length=20, required=False, initial="1")
    unit = forms.CharField(label=_("计量单位"), max_length=10, required=False, initial="件")
    category = forms.ModelChoiceField(
        label=_("资产分类"),
        queryset=AssetCategory.objects.none(),
        required=False,
        widget=forms.Select(attrs={"data-tomselect": ""}),
    )
    estimated_value = forms.CharField(label=_("估计原值（元）"), max_length=20, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    client_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AssetCategory.objects.for_school(school).order_by("path")
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)
        self.fields["quantity"].widget.attrs.setdefault("inputmode", "numeric")
        self.fields["estimated_value"].widget.attrs.setdefault("inputmode", "decimal")
        if not self.is_bound:
            self.initial.setdefault("client_key", new_client_key())
