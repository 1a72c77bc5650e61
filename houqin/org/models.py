"""Organisation: districts, schools (the tenant), campuses, places, departments, classes, people."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from houqin.core.models import SchoolScopedModel, TimeStampedModel

from .choices import Grade, LocationKind, RoomType, SchoolKind
from .querysets import LocationManager, MembershipManager, SearchableManager


class EducationDistrict(TimeStampedModel):
    """区县教育局 or 教育集团: a group of schools a supervisor reads across."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("编码"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("教育局/集团")
        verbose_name_plural = _("教育局/集团")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(TimeStampedModel):
    """The tenant. Everything a school owns points here."""

    name = models.CharField(_("学校名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    code = models.SlugField(_("学校编码"), max_length=50, unique=True)
    kind = models.CharField(_("学段"), max_length=20, choices=SchoolKind.choices, default=SchoolKind.PRIMARY)
    district = models.ForeignKey(
        EducationDistrict,
        verbose_name=_("所属教育局/集团"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schools",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["name"]
        indexes = [models.Index(fields=["district", "name"])]

    def __str__(self) -> str:
        return self.name


class Campus(SchoolScopedModel):
    name = models.CharField(_("校区名称"), max_length=50)
    code = models.CharField(_("校区编码"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = SearchableManager()

    class Meta:
        verbose_name = _("校区")
        verbose_name_plural = _("校区")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="campus_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:campus_detail", args=[self.pk])


class Location(SchoolScopedModel):
    """A place on a campus: building > floor > room, or an outdoor area.

    ``path`` is the materialised path of ids (``"12/40/41/"``) so a subtree is one indexed
    ``startswith`` query; ``full_name`` is the readable path. Both are kept by the services.
    """

    campus = models.ForeignKey(
        Campus, verbose_name=_("校区"), on_delete=models.PROTECT, related_name="locations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级位置"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=LocationKind.choices, default=LocationKind.ROOM)
    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(_("编号"), max_length=30, blank=True, help_text=_("如门牌号，同校唯一。"))
    room_type = models.CharField(_("用途"), max_length=20, choices=RoomType.choices, blank=True)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保管责任人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="custodian_of",
    )
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    area_m2 = models.DecimalField(_("面积(㎡)"), max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    full_name = models.CharField(_("完整位置"), max_length=255, editable=False)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = LocationManager()

    class Meta:
        verbose_name = _("位置")
        verbose_name_plural = _("位置")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "code"], condition=~models.Q(code=""), name="location_unique_code"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="location_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["school", "campus", "name"],
                condition=models.Q(parent__isnull=True),
                name="location_unique_top_level_name",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "path"]),
            models.Index(fields=["school", "kind", "room_type"]),
            models.Index(fields=["school", "campus", "path"]),
            models.Index(fields=["school", "custodian"]),
            # lookups by code (a scanned label, an import); the unique constraint's index is
            # partial (code <> '') and planners cannot always use it for "code = ?"
            models.Index(fields=["school", "code"]),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("org:location_detail", args=[self.pk])


class Department(SchoolScopedModel):
    name = models.CharField(_("部门名称"), max_length=50)
    code = models.CharField(_("部门编码"), max_length=20, blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("部门负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="heads_departments",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管领导"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervises_departments",
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = SearchableManager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:department_detail", args=[self.pk])


class SchoolClass(SchoolScopedModel):
    """班级: a unit that reports repairs, holds contracted items and receives distributions."""

    grade = models.SmallIntegerField(_("年级"), choices=Grade.choices)
    number = models.PositiveSmallIntegerField(_("班号"))
    name = models.CharField(
        _("班级名称"), max_length=30, blank=True, help_text=_("留空则自动生成，如 一年级(1)班。")
    )
    enrollment_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True)
    head_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("班主任"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="head_teacher_of",
    )
    home_room = models.ForeignKey(
        Location,
        verbose_name=_("教室"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="home_classes",
    )
    student_count = models.PositiveSmallIntegerField(_("学生人数"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = SearchableManager()

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "grade", "number"], name="schoolclass_unique_grade_number"
            )
        ]
        indexes = [models.Index(fields=["school", "is_active", "grade"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:schoolclass_detail", args=[self.pk])


class Role(SchoolScopedModel):
    """A role is data: it grants Django permissions inside one school. Seeded, then editable."""

    code = models.SlugField(_("角色代码"), max_length=40)
    name = models.CharField(_("角色名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("权限"), blank=True, related_name="houqin_roles"
    )
    is_system = models.BooleanField(_("系统预置"), default=False)
    # default grants already given (app.codename): each is given once, see role_seed_defaults
    seeded_grants = models.JSONField(default=list, blank=True, editable=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="role_unique_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:role_detail", args=[self.pk])


class Membership(SchoolScopedModel):
    """A person's place in one school: department, post, roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True, related_name="memberships")
    title = models.CharField(_("职务/岗位"), max_length=50, blank=True)
    employee_no = models.CharField(_("工号"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)

    objects = MembershipManager()

    class Meta:
        verbose_name = _("教职工")
        verbose_name_plural = _("教职工")
        ordering = ["department__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="membership_unique_user"),
            models.UniqueConstraint(
                fields=["school", "employee_no"],
                condition=~models.Q(employee_no=""),
                name="membership_unique_employee_no",
            ),
        ]
        indexes = [models.Index(fields=["school", "is_active", "department"])]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("org:membership_detail", args=[self.pk])


class DistrictSupervisor(TimeStampedModel):
    """教育局督导: reads every school of the district, changes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="district_roles",
    )
    district = models.ForeignKey(
        EducationDistrict, verbose_name=_("教育局/集团"), on_delete=models.CASCADE, related_name="supervisors"
    )

    class Meta:
        verbose_name = _("督导")
        verbose_name_plural = _("督导")
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="supervisor_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.district}"
