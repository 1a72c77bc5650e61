"""List filters: each reads GET parameters and narrows a queryset on indexed columns."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Grade, LocationKind, RoomType
from .models import Campus, Department, Location, Membership, SchoolClass

NONE_CHOICE = [("none", _("（未指定）"))]


class SchoolFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("搜索"))

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(widget, forms.Select)
                else "form-control form-control-sm",
            )

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class LocationFilter(SchoolFilterSet):
    campus = django_filters.ModelChoiceFilter(queryset=Campus.objects.none(), label=_("校区"))
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices, label=_("类型"))
    room_type = django_filters.ChoiceFilter(choices=RoomType.choices, label=_("用途"))
    custodian = django_filters.ChoiceFilter(
        choices=NONE_CHOICE, method="filter_custodian", label=_("保管责任人")
    )
    within = django_filters.ModelChoiceFilter(
        queryset=Location.objects.none(), method="filter_within", label=_("所在楼宇/楼层")
    )

    class Meta:
        model = Location
        fields = ["q", "campus", "within", "kind", "room_type", "custodian"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.filters["campus"].queryset = Campus.objects.for_school(school)
        self.form.fields["campus"].queryset = Campus.objects.for_school(school)
        within = Location.objects.for_school(school).filter(
            kind__in=[LocationKind.BUILDING, LocationKind.FLOOR]
        )
        self.form.fields["within"].queryset = within
        self.form.fields["within"].label_from_instance = lambda loc: loc.full_name

    def filter_custodian(self, queryset, name, value):
        return queryset.filter(custodian__isnull=True) if value == "none" else queryset

    def filter_within(self, queryset, name, value):
        return queryset.subtree(value, include_self=False) if value else queryset


class SchoolClassFilter(SchoolFilterSet):
    grade = django_filters.ChoiceFilter(choices=Grade.choices, label=_("年级"))
    head_teacher = django_filters.ChoiceFilter(choices=NONE_CHOICE, method="filter_head", label=_("班主任"))

    class Meta:
        model = SchoolClass
        fields = ["q", "grade", "head_teacher"]

    def filter_head(self, queryset, name, value):
        return queryset.filter(head_teacher__isnull=True) if value == "none" else queryset


class MembershipFilter(SchoolFilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.none(), label=_("部门"))
    role = django_filters.CharFilter(method="filter_role", label=_("角色"), widget=forms.Select)
    is_active = django_filters.BooleanFilter(
        label=_("在职"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("在职")), ("false", _("离职/停用"))]),
    )

    class Meta:
        model = Membership
        fields = ["q", "department", "role", "is_active"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.form.fields["department"].queryset = Department.objects.for_school(school)
        from .models import Role

        self.form.fields["role"].widget.choices = [
            ("", "---------"),
            *Role.objects.for_school(school).values_list("code", "name"),
        ]

    def filter_role(self, queryset, name, value):
        return queryset.with_role(value) if value else queryset
