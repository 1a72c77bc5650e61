"""Forms of the damage area: report (phone first, camera photo), assess, settle, waive; list filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.pinyin import normalise_query
from houqin.org.filters import SchoolFilterSet
from houqin.org.forms import PersonChoiceField, SchoolFormMixin
from houqin.org.models import SchoolClass

from ..choices import DamageCause, DamageStatus
from ..models import Asset, AssetDamage

User = get_user_model()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input; the camera opens on a phone (``capture="environment"``)."""

    default_error_messages = {"required": _("请至少拍一张损坏处的照片。")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={
                    "accept": "image/*",
                    "capture": "environment",
                    "multiple": True,
                    "class": "form-control form-control-lg",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [single(f, initial) for f in files]


class AssetCodeField(forms.ModelChoiceField):
    """The asset by its code: typed, scanned, or carried from the card (``?asset=<pk>``)."""

    default_error_messages = {"invalid_choice": _("本校没有这个资产编号，或资产已处置。")}

    def label_from_instance(self, obj):
        return str(obj)


class DamageReportForm(SchoolFormMixin, forms.Form):
    asset = AssetCodeField(
        queryset=Asset.objects.none(),
        to_field_name="code",
        label=_("资产编号"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("扫描资产标签会自动带出；也可以手工输入资产编号。"),
    )
    description = forms.CharField(
        label=_("损坏情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("哪里坏了、怎么发现的。"),
    )
    occurred_on = forms.DateField(
        label=_("发现日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    photos = PhotosField(label=_("现场照片"), help_text=_("点按钮直接拍照，可拍多张。"))

    def __init__(self, *args, school, asset: Asset | None = None, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["asset"].queryset = Asset.objects.for_school(school).active()
        self.fields["occurred_on"].initial = timezone.localdate()
        if asset is not None:
            self.fields["asset"].initial = asset.code
            self.fields["asset"].widget = forms.HiddenInput()


class DamageAssessForm(SchoolFormMixin, forms.Form):
    cause = forms.ChoiceField(label=_("损坏原因"), choices=DamageCause.choices, widget=forms.RadioSelect)
    responsible_user = PersonChoiceField(
        queryset=User.objects.none(), required=False, label=_("责任人（教职工）")
    )
    responsible_class = forms.ModelChoiceField(
        queryset=SchoolClass.objects.none(), required=False, label=_("责任班级")
    )
    responsible_name = forms.CharField(
        label=_("责任人姓名"), max_length=50, required=False, help_text=_("如学生姓名。")
    )
    compensation_amount = forms.DecimalField(
        label=_("赔偿金额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("人为损坏时填写；不需赔偿填 0。"),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["cause"].widget.attrs["class"] = "form-check-input"
        self.fields["responsible_class"].queryset = SchoolClass.objects.for_school(school).filter(
            is_active=True
        )


class DamageSettleForm(forms.Form):
    receipt_number = forms.CharField(label=_("收据号"), max_length=50, required=False)
    receipt_photo = forms.FileField(
        label=_("收据照片"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class DamageWaiverForm(forms.Form):
    reason = forms.CharField(
        label=_("减免理由"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.setdefault("class", "form-control")


MINE_CHOICES = [("1", _("与我有关"))]


class DamageFilter(SchoolFilterSet):
    status = django_filters.ChoiceFilter(choices=DamageStatus.choices, label=_("状态"))
    cause = django_filters.ChoiceFilter(choices=DamageCause.choices, label=_("损坏原因"))
    mine = django_filters.ChoiceFilter(choices=MINE_CHOICES, method="filter_mine", label=_("范围"))

    class Meta:
        model = AssetDamage
        fields = ["q", "status", "cause", "mine"]

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def filter_q(self, queryset, name, value):
        q = normalise_query(value)
        if not q:
            return queryset
        return queryset.filter(
            Q(number__icontains=q) | Q(asset__code__istartswith=q) | Q(asset__search_text__contains=q)
        )

    def filter_mine(self, queryset, name, value):
        if value != "1" or self.user is None:
            return queryset
        user = self.user
        return queryset.filter(
            Q(reported_by=user) | Q(responsible_user=user) | Q(responsible_class__head_teacher=user)
        )
