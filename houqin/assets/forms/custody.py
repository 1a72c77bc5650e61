"""Forms of custodianship (承包管理): draw up a sheet, edit its lines, sign, take it back, filters.

Forms parse input; ``services/custody.py`` decides, and its errors land on the form.
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
from houqin.org.models import Department, Location, SchoolClass

from ..choices import Condition, CustodyHolder, CustodyStatus
from ..models import Asset, AssetCustody

User = get_user_model()


class AssetCustodyForm(SchoolFormMixin, forms.Form):
    holder_kind = forms.ChoiceField(
        label=_("承包方"),
        choices=CustodyHolder.choices,
        initial=CustodyHolder.SCHOOL_CLASS,
        widget=forms.RadioSelect,
    )
    school_class = forms.ModelChoiceField(
        queryset=SchoolClass.objects.none(), required=False, label=_("班级")
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, label=_("办公室/部门")
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        required=False,
        label=_("房间"),
        help_text=_("班级不选则为其教室。清单默认列出房间里的资产卡片和门、窗、灯等设施，签字前可修改。"),
    )
    term = forms.CharField(label=_("学期"), max_length=30)
    responsible = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("签字责任人"),
        help_text=_("不选则为班主任或部门负责人。"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["school_class"].queryset = SchoolClass.objects.for_school(school).active()
        self.fields["department"].queryset = Department.objects.for_school(school).active()
        self.fields["location"].queryset = (
            Location.objects.for_school(school).active().rooms().order_by("path")
        )
        self.fields["location"].label_from_instance = lambda loc: loc.full_name
        self.fields["holder_kind"].widget.attrs.pop("class", None)


class CustodyItemForm(forms.Form):
    """One line: a thing (a card, found by its code, or a fixture such as a door) and its condition."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("物品"), max_length=100, required=False)
    asset_code = forms.CharField(
        label=_("资产编号"), max_length=40, required=False, help_text=_("有资产卡片的物品填编号。")
    )
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)
    condition_out = forms.ChoiceField(
        label=_("接收时状况"), choices=Condition.choices, initial=Condition.GOOD
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["quantity"].widget.attrs["inputmode"] = "numeric"
        if "DELETE" in self.fields:
            self.fields["DELETE"].label = _("删除")
            self.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        code = (data.get("asset_code") or "").strip()
        data["asset"] = None
        if code:
            asset = Asset.objects.for_school(self.school).filter(code=code).first()
            if asset is None:
                self.add_error("asset_code", _("本校没有编号为“%(code)s”的资产。") % {"code": code})
            else:
                data["asset"] = asset
        if not (data.get("name") or "").strip() and data.get("asset") is None and not data.get("DELETE"):
            self.add_error("name", _("请填写物品名称。"))
        return data


class BaseCustodyItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "school": self.school}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            school=self.school,
        )
        self.add_fields(form, None)
        return form

    def items(self) -> list[dict]:
        """The lines to keep, for ``asset_custody_update_items`` (deleted and untouched blank rows out)."""
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            kept.append(
                {
                    "id": data.get("id"),
                    "asset": data.get("asset"),
                    "name": data.get("name") or "",
                    "quantity": data.get("quantity"),
                    "condition_out": data.get("condition_out"),
                    "note": data.get("note") or "",
                }
            )
        return kept


CustodyItemFormSet = forms.formset_factory(
    CustodyItemForm, formset=BaseCustodyItemFormSet, extra=3, can_delete=True, max_num=500, validate_max=True
)


def item_initial(custody: AssetCustody) -> list[dict]:
    return [
        {
            "id": item.pk,
            "name": item.name,
            "asset_code": item.asset.code if item.asset_id else "",
            "quantity": item.quantity,
            "condition_out": item.condition_out,
            "note": item.note,
        }
        for item in custody.items.select_related("asset")
    ]


class CustodySignForm(forms.Form):
    data_url = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-data": ""}),
        error_messages={"required": _("还没有签字，请在框内手写签名。")},
    )


class CustodyReturnForm(forms.Form):
    """期末交回: one condition (and an optional remark) per line, starting from its condition at
    hand-over, so the clerk changes only what differs."""

    note = forms.CharField(label=_("验收备注"), max_length=200, required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["note"].widget.attrs["class"] = "form-control"
        for item in self.items:
            self.fields[f"condition_{item.pk}"] = forms.ChoiceField(
                label=item.name,
                choices=Condition.choices,
                initial=item.condition_out,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("说明"),
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("损坏或缺失请说明")}),
            )

    def rows(self):
        """``(item, condition field, note field)`` per line, for the template."""
        return [(item, self[f"condition_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def conditions(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"condition_{item.pk}"] for item in self.items}

    def notes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"note_{item.pk}") or "" for item in self.items}


class AssetCustodyFilter(SchoolFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))
    status = django_filters.ChoiceFilter(choices=CustodyStatus.choices, label=_("状态"))
    holder_kind = django_filters.ChoiceFilter(choices=CustodyHolder.choices, label=_("承包方"))
    term = django_filters.CharFilter(label=_("学期"))

    class Meta:
        model = AssetCustody
        fields = ["q", "status", "holder_kind", "term"]

    def filter_q(self, queryset, name, value):
        """The number, the class, the office or the room, by name or pinyin."""
        q = normalise_query(value)
        if not q:
            return queryset
        return queryset.filter(
            Q(number__icontains=q)
            | Q(school_class__search_text__contains=q)
            | Q(department__search_text__contains=q)
            | Q(location__search_text__contains=q)
        )
