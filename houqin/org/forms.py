"""Forms parse and check input; the services do the writing. Choices come from the current school only."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

from houqin.core import permissions as core_permissions

from .choices import LocationKind
from .models import Campus, Department, Location, Role, SchoolClass

User = get_user_model()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


def staff_queryset(school):
    return User.objects.filter(memberships__school=school, memberships__is_active=True).order_by(
        "display_name", "id"
    )


class SchoolFormMixin:
    """Limit every related choice to the current school."""

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)
        if "is_active" in self.fields and not getattr(self.instance, "pk", None):
            del self.fields["is_active"]  # new records start active; deactivating is an edit
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
                model = field.queryset.model
                if model is User:
                    field.queryset = staff_queryset(school)
                elif hasattr(model, "school_id") or "school" in {f.name for f in model._meta.fields}:
                    field.queryset = field.queryset.filter(school=school)
            if isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs.setdefault("class", "form-select")
                if isinstance(field, forms.ModelChoiceField):
                    field.widget.attrs.setdefault("data-tomselect", "")
            elif not isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-control")


class CampusForm(SchoolFormMixin, forms.ModelForm):
    class Meta:
        model = Campus
        fields = ["name", "code", "address", "sort_order", "is_active"]


class LocationForm(SchoolFormMixin, forms.ModelForm):
    custodian = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("保管责任人"))

    class Meta:
        model = Location
        fields = [
            "campus",
            "parent",
            "kind",
            "name",
            "code",
            "room_type",
            "custodian",
            "capacity",
            "area_m2",
            "note",
            "is_active",
        ]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["campus"].queryset = Campus.objects.for_school(school).active()
        self.fields["parent"].queryset = (
            Location.objects.for_school(school).active().exclude(kind=LocationKind.ROOM).order_by("path")
        )
        self.fields["parent"].label_from_instance = lambda loc: loc.full_name
        self.fields["custodian"].queryset = staff_queryset(school)
        if self.instance.pk:
            # Moving between campuses is not offered: the subtree would have to follow.
            self.fields["campus"].disabled = True

    def validate_unique(self):
        # The service validates uniqueness and the parent/kind rules with the school set; a
        # form-level check without the school would miss per-school uniqueness.
        pass


class DepartmentForm(SchoolFormMixin, forms.ModelForm):
    head = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("部门负责人"))
    supervisor = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("分管领导"))

    class Meta:
        model = Department
        fields = ["name", "code", "head", "supervisor", "sort_order", "is_active"]

    def validate_unique(self):
        pass


class SchoolClassForm(SchoolFormMixin, forms.ModelForm):
    head_teacher = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("班主任"))

    class Meta:
        model = SchoolClass
        fields = [
            "grade",
            "number",
            "name",
            "head_teacher",
            "home_room",
            "student_count",
            "enrollment_year",
            "is_active",
        ]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["home_room"].queryset = (
            Location.objects.for_school(school).active().rooms().order_by("path")
        )
        self.fields["home_room"].label_from_instance = lambda loc: loc.full_name

    def validate_unique(self):
        pass


class MembershipForm(SchoolFormMixin, forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("登录用。已有账号的人填其用户名，即可加入本校。")
    )
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(label=_("手机号"), max_length=11, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("留空则该账号暂不能登录，可稍后设置。"),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("部门"))
    title = forms.CharField(label=_("职务/岗位"), max_length=50, required=False)
    employee_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.all(), required=False, label=_("角色"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["is_active"] = forms.BooleanField(
                label=_("在职"), required=False, help_text=_("离职或停用后不能再登录本校。")
            )
            self.fields["username"].disabled = True
            self.fields["username"].required = False
            del self.fields["password"]


class RoleForm(SchoolFormMixin, forms.ModelForm):
    permissions = forms.ModelMultipleChoiceField(
        queryset=Permission.objects.none(),
        required=False,
        label=_("权限"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ["code", "name", "description", "permissions"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        if self.instance.pk:
            del self.fields["code"]  # the code is how modules and imports refer to the role
        else:
            self.fields["code"].help_text = _("英文字母、数字、- 或 _，如 lab_keeper；创建后不能修改。")
        self.fields["permissions"].label_from_instance = core_permissions.permission_label
        self.fields["permissions"].queryset = (
            Permission.objects.filter(content_type__app_label__in=core_permissions.HOUQIN_APP_LABELS)
            .select_related("content_type")
            .order_by("content_type__app_label", "content_type__model", "codename")
        )

    def validate_unique(self):
        pass
