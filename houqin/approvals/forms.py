"""Forms parse and check input; the services do the writing. Choices come from the current school only."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from houqin.org.forms import PersonChoiceField, SchoolFormMixin, staff_queryset
from houqin.org.models import Department, Role

from .choices import Action, ApproverRule, StepKind, StepMode
from .models import GeneralRequest

User = get_user_model()


def _style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")


class GeneralRequestForm(SchoolFormMixin, forms.ModelForm):
    class Meta:
        model = GeneralRequest
        fields = ["title", "description", "amount", "department"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["department"].queryset = Department.objects.for_school(school).filter(is_active=True)
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "min": "0", "step": "0.01"})


class DecisionForm(forms.Form):
    """One form for every button on an approval: the version and step it was shown for travel with it."""

    action = forms.ChoiceField(choices=Action.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    step_order = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    meeting_record = forms.CharField(
        label=_("集体决策记录"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("会议名称、日期、参会人员和决议，如“2025-03-02 校务会：同意”。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("流程名称"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PolicyStepForm(forms.Form):
    name = forms.CharField(label=_("步骤名称"), max_length=50)
    kind = forms.ChoiceField(label=_("类型"), choices=StepKind.choices, initial=StepKind.APPROVAL)
    rule = forms.ChoiceField(label=_("审批人"), choices=ApproverRule.choices)
    role = forms.ModelChoiceField(label=_("角色"), queryset=Role.objects.none(), required=False)
    user = PersonChoiceField(label=_("指定人员"), queryset=User.objects.none(), required=False)
    min_amount = forms.DecimalField(
        label=_("起始金额(元)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("达到此金额才需要这一步；留空表示总是需要。"),
    )
    mode = forms.ChoiceField(label=_("方式"), choices=StepMode.choices, initial=StepMode.ANY)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = Role.objects.for_school(school)
        self.fields["user"].queryset = staff_queryset(school)
        _style(self)
        if "ORDER" in self.fields:
            self.fields["ORDER"].label = _("顺序")
            self.fields["ORDER"].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})
        if "DELETE" in self.fields:
            self.fields["DELETE"].label = _("删除此步")


class BasePolicyStepFormSet(forms.BaseFormSet):
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

    def steps(self) -> list[dict]:
        """The kept steps in the chosen order (ORDER, then position)."""
        return [dict(f.cleaned_data) for f in self.ordered_forms if not f.cleaned_data.get("DELETE")]


PolicyStepFormSet = forms.formset_factory(
    PolicyStepForm, formset=BasePolicyStepFormSet, extra=1, can_order=True, can_delete=True
)


class DelegationForm(forms.Form):
    delegator = PersonChoiceField(label=_("委托人"), queryset=User.objects.none())
    delegate = PersonChoiceField(label=_("代理人"), queryset=User.objects.none())
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("事由"), max_length=200, required=False)

    def __init__(self, *args, school, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = staff_queryset(school).exclude(pk=user.pk)
        if user.has_perm("approvals.change_approvaldelegation"):
            self.fields["delegator"].queryset = staff_queryset(school)
            self.fields["delegator"].initial = user.pk
        else:
            del self.fields["delegator"]
        _style(self)
