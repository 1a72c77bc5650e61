"""Forms parse input; the services write. Robot URLs and secrets are write-only: never shown back."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.org.models import Role

from .choices import RESPONSIBLE, Provider
from .models import ReminderRule
from .registry import due_providers, kinds


def _kind_choices():
    return [(k.key, k.label) for k in kinds()]


class PreferenceForm(forms.Form):
    """One e-mail checkbox per kind; in-app is always on. No address: the boxes are disabled."""

    def __init__(self, *args, user, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.rows = []
        for kind in kinds():
            name = f"email__{kind.key}"
            self.fields[name] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=current[kind.key]["email"],
                disabled=not user.email,
            )
            self.fields[name].widget.attrs["class"] = "form-check-input"
            self.rows.append((kind, self[name]))

    def email_kinds(self) -> list[str]:
        return [k.key for k in kinds() if self.cleaned_data.get(f"email__{k.key}")]


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    provider = forms.ChoiceField(label=_("类型"), choices=Provider.choices)
    url = forms.CharField(
        label=_("Webhook 地址"),
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("钉钉机器人开启“加签”时填写（SEC 开头）。"),
    )
    clear_secret = forms.BooleanField(label=_("清除加签密钥"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("接收的通知类型"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "provider": instance.provider,
                    "kinds": instance.kinds,
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = _kind_choices()
        for name in ("name", "url", "secret"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        self.fields["provider"].widget.attrs["class"] = "form-select"
        self.fields["clear_secret"].widget.attrs["class"] = "form-check-input"
        self.fields["is_active"].widget.attrs["class"] = "form-check-input"
        self.fields["kinds"].widget.attrs["class"] = "form-check-input"
        if instance is None:
            self.fields["url"].required = True
            self.fields["url"].widget = forms.TextInput(
                attrs={"class": "form-control", "autocomplete": "off", "inputmode": "url"}
            )
            self.fields["url"].help_text = _("在群设置 → 群机器人里复制；保存后不再显示。")
            del self.fields["is_active"]
            del self.fields["clear_secret"]
        else:
            set_text = _("已设置，留空则不修改。")
            self.fields["url"].help_text = set_text
            if instance.secret:
                self.fields["secret"].help_text = set_text
            else:
                del self.fields["clear_secret"]


class ReminderRuleForm(forms.ModelForm):
    source = forms.ChoiceField(label=_("提醒来源"), choices=())
    notify = forms.ChoiceField(label=_("提醒谁"), choices=())
    escalate_to_role = forms.ChoiceField(label=_("上报给角色"), choices=(), required=False)

    class Meta:
        model = ReminderRule
        fields = [
            "name",
            "source",
            "days_before",
            "notify",
            "escalate_after_days",
            "escalate_to_role",
            "is_active",
        ]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [(r.code, r.name) for r in Role.objects.for_school(school).order_by("sort_order", "id")]
        self.fields["source"].choices = [(p.key, p.label) for p in due_providers()]
        self.fields["notify"].choices = [(RESPONSIBLE, _("负责人（由提醒来源决定）")), *roles]
        self.fields["escalate_to_role"].choices = [("", _("不上报")), *roles]
        if not self.instance.pk:
            del self.fields["is_active"]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"
            if name in ("days_before", "escalate_after_days"):
                field.widget.attrs["inputmode"] = "numeric"

    def validate_unique(self):
        pass  # the service checks names per school
