"""The asset ledger (校产): categories, cards and their lifecycle records.

Every write goes through ``services``; these classes hold fields, constraints, ``__str__`` and
small derived properties only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from houqin.core.models import SchoolScopedModel

from .choices import (
    AcquisitionWay,
    AssetClass,
    AssetStatus,
    Condition,
    CustodyHolder,
    CustodyStatus,
    CustomFieldType,
    DamageCause,
    DamageStatus,
    DisposalKind,
    DisposalStatus,
    LoanStatus,
    TransferStatus,
)
from .querysets import (
    AssetCategoryManager,
    AssetLoanManager,
    AssetManager,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
USER = settings.AUTH_USER_MODEL


class AssetSettings(SchoolScopedModel):
    """A school's asset rules (DOMAIN.md, Assets: "Thresholds are settings")."""

    fixed_asset_threshold = models.DecimalField(
        _("固定资产单价标准（元）"), **MONEY, default=Decimal("1000.00"), validators=NON_NEGATIVE
    )
    special_equipment_threshold = models.DecimalField(
        _("专用设备单价标准（元）"), **MONEY, default=Decimal("1500.00"), validators=NON_NEGATIVE
    )
    code_prefix = models.CharField(_("资产编号前缀"), max_length=10, default="ZC", blank=True)
    idle_months = models.PositiveSmallIntegerField(
        _("闲置判定（月）"), default=6, help_text=_("这么多个月没有借用或使用记录的设备列入闲置报表。")
    )
    loan_days = models.PositiveSmallIntegerField(_("默认借用天数"), default=7)

    class Meta:
        verbose_name = _("资产设置")
        verbose_name_plural = _("资产设置")
        constraints = [models.UniqueConstraint(fields=["school"], name="assets_settings_one_per_school")]

    def __str__(self) -> str:
        return str(_("资产设置"))


class AssetCategory(SchoolScopedModel):
    """资产分类: GB/T 14885-2022 top level seeded, extended by the school (a tree)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(_("分类代码"), max_length=30, help_text=_("国标分类代码，如 3、A02010105。"))
    name = models.CharField(_("分类名称"), max_length=80)
    useful_life_years = models.PositiveSmallIntegerField(
        _("折旧年限（年）"),
        null=True,
        blank=True,
        help_text=_("空：沿用上级分类；0：不计提折旧（如文物和陈列品、图书和档案）。"),
    )
    is_special_equipment = models.BooleanField(
        _("专用设备"), default=False, help_text=_("按专用设备单价标准（默认 1500 元）认定固定资产。")
    )
    fixed_regardless_of_value = models.BooleanField(
        _("批量同类按固定资产管理"),
        default=False,
        help_text=_("如图书、家具：单价不足标准，批量同类物品仍作为固定资产。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = AssetCategoryManager()

    class Meta:
        verbose_name = _("资产分类")
        verbose_name_plural = _("资产分类")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="assets_category_code_unique")]
        indexes = [models.Index(fields=["school", "path"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetcategory_detail", args=[self.pk])


class AssetCustomField(SchoolScopedModel):
    """A field the school adds to the cards of one category (and its sub-categories)."""

    category = models.ForeignKey(
        AssetCategory, verbose_name=_("资产分类"), on_delete=models.PROTECT, related_name="custom_fields"
    )
    key = models.SlugField(_("字段标识"), max_length=40)
    label = models.CharField(_("字段名称"), max_length=40)
    field_type = models.CharField(
        _("类型"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    options = models.JSONField(_("可选值"), default=list, blank=True, help_text=_("类型为“选项”时的可选值。"))
    required = models.BooleanField(_("必填"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("自定义字段")
        verbose_name_plural = _("自定义字段")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "category", "key"], name="assets_customfield_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.name} · {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetcategory_detail", args=[self.category_id])


class Asset(SchoolScopedModel):
    """资产卡片: one item, or a batch of identical items (40 desks) on one card."""

    code = models.CharField(_("资产编号"), max_length=40)
    name = models.CharField(_("资产名称"), max_length=100)
    category = models.ForeignKey(
        AssetCategory, verbose_name=_("资产分类"), on_delete=models.PROTECT, related_name="assets"
    )
    spec_model = models.CharField(_("规格型号"), max_length=100, blank=True)
    brand = models.CharField(_("品牌"), max_length=50, blank=True)
    serial_number = models.CharField(_("序列号"), max_length=80, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    unit = models.CharField(_("计量单位"), max_length=10, default="台")
    unit_price = models.DecimalField(_("单价（元）"), **MONEY, validators=NON_NEGATIVE)
    total_value = models.DecimalField(_("原值（元）"), **MONEY, validators=NON_NEGATIVE)
    asset_class = models.CharField(
        _("资产类别"), max_length=10, choices=AssetClass.choices, default=AssetClass.FIXED
    )
    acquired_on = models.DateField(_("取得日期"))
    acquisition_way = models.CharField(
        _("取得方式"), max_length=20, choices=AcquisitionWay.choices, default=AcquisitionWay.PURCHASE
    )
    funding_source = models.CharField(_("经费来源"), max_length=50, blank=True)
    supplier = models.CharField(_("供应商"), max_length=100, blank=True)
    invoice_number = models.CharField(_("发票号"), max_length=50, blank=True)
    warranty_until = models.DateField(_("保修截止"), null=True, blank=True)
    location = models.ForeignKey(
        "org.Location",
        verbose_name=_("存放地点"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("使用部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    custodian = models.ForeignKey(
        USER, verbose_name=_("责任人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    is_bookable = models.BooleanField(
        _("可预约借用"), default=False, help_text=_("相机、投影仪、体育器材等，教师可以在线预约借用。")
    )
    custom_fields = models.JSONField(_("自定义字段"), default=dict, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(
        _("来源单据"), max_length=60, blank=True, help_text=_("如由采购验收登记，记录验收单号。")
    )
    last_used_on = models.DateField(_("最近使用"), null=True, blank=True)
    disposed_on = models.DateField(_("处置日期"), null=True, blank=True)
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = AssetManager()

    class Meta:
        verbose_name = _("资产卡片")
        verbose_name_plural = _("资产卡片")
        ordering = ["-acquired_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="assets_asset_code_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="assets_asset_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="assets_asset_price_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-acquired_on"]),
            models.Index(fields=["school", "category"]),
            models.Index(fields=["school", "location"]),
            models.Index(fields=["school", "department"]),
            models.Index(fields=["school", "custodian"]),
            models.Index(fields=["school", "acquired_on"]),
            models.Index(fields=["school", "total_value"]),
            models.Index(fields=["school", "is_bookable"]),
            # covers the ledger's "totals for the filter" (count, quantity, value) without the table
            models.Index(
                fields=["school", "status", "quantity", "total_value"], name="assets_asset_totals_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.pk])

    @property
    def is_disposed(self) -> bool:
        return self.status == AssetStatus.DISPOSED


class AssetTransfer(SchoolScopedModel):
    """调配: assets move to another place, department or custodian once the receiver confirms."""

    number = models.CharField(_("单号"), max_length=30)
    to_location = models.ForeignKey(
        "org.Location",
        verbose_name=_("调入地点"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("调入部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_custodian = models.ForeignKey(
        USER, verbose_name=_("接收责任人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("调配原因"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("确认人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("确认意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("资产调配")
        verbose_name_plural = _("资产调配")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="assets_transfer_number_unique")
        ]
        indexes = [
            models.Index(fields=["school", "status", "-created_at"]),
            models.Index(fields=["school", "to_custodian", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {_('资产调配')}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assettransfer_detail", args=[self.pk])


class AssetTransferItem(models.Model):
    transfer = models.ForeignKey(AssetTransfer, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="transfer_items"
    )
    from_location = models.ForeignKey(
        "org.Location",
        verbose_name=_("原地点"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("原部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_custodian = models.ForeignKey(
        USER, verbose_name=_("原责任人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("调配明细")
        verbose_name_plural = _("调配明细")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "asset"], name="assets_transferitem_unique")
        ]

    def __str__(self) -> str:
        return str(self.asset)


class AssetCustody(SchoolScopedModel):
    """承包管理: a class or office takes over its room's things for a term, item by item."""

    number = models.CharField(_("单号"), max_length=30)
    term = models.CharField(_("学期"), max_length=30, help_text=_("如 2026-2027 学年第一学期。"))
    holder_kind = models.CharField(_("承包方"), max_length=10, choices=CustodyHolder.choices)
    school_class = models.ForeignKey(
        "org.SchoolClass",
        verbose_name=_("班级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    location = models.ForeignKey(
        "org.Location", verbose_name=_("房间"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        USER,
        verbose_name=_("签字责任人"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("班级为班主任，办公室为部门负责人。"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CustodyStatus.choices, default=CustodyStatus.DRAFT
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("交回时间"), null=True, blank=True)
    return_checked_by = models.ForeignKey(
        USER, verbose_name=_("交回验收人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("承包管理")
        verbose_name_plural = _("承包管理")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="assets_custody_number_unique"),
            # one open sheet per room and term (the service says so first, in words)
            models.UniqueConstraint(
                fields=["school", "location", "term"],
                condition=models.Q(status__in=["draft", "signed"]),
                name="assets_custody_one_open_per_room_and_term",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "term"]),
            models.Index(fields=["school", "location"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.term}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetcustody_detail", args=[self.pk])


class AssetCustodyItem(models.Model):
    """One line of a custodianship sheet: an asset card, or a fixture such as a door or window."""

    custody = models.ForeignKey(AssetCustody, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("物品"), max_length=100)
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    condition_out = models.CharField(
        _("接收时状况"), max_length=10, choices=Condition.choices, default=Condition.GOOD
    )
    condition_back = models.CharField(_("交回时状况"), max_length=10, choices=Condition.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("承包明细")
        verbose_name_plural = _("承包明细")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class AssetLoan(SchoolScopedModel):
    """借用: a reservation (已预约) or a loan (借出中) of a card, with condition out and in."""

    number = models.CharField(_("单号"), max_length=30)
    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(USER, verbose_name=_("借用人"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("借用开始"))
    due_at = models.DateTimeField(_("应还时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.RESERVED
    )
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    lent_by = models.ForeignKey(
        USER, verbose_name=_("经办人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    condition_out = models.CharField(_("借出时状况"), max_length=10, choices=Condition.choices, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        USER, verbose_name=_("归还接收人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    condition_in = models.CharField(_("归还时状况"), max_length=10, choices=Condition.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = AssetLoanManager()

    class Meta:
        verbose_name = _("借用")
        verbose_name_plural = _("借用")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="assets_loan_number_unique"),
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("starts_at")), name="assets_loan_due_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "due_at"]),
            models.Index(fields=["asset", "status", "starts_at"]),
            models.Index(fields=["school", "borrower", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.asset.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetloan_detail", args=[self.pk])


class AssetDamage(SchoolScopedModel):
    """损坏: reported with a photo, judged natural (→ repair) or man-made (→ 谁损坏谁赔偿)."""

    number = models.CharField(_("单号"), max_length=30)
    asset = models.ForeignKey(Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="damages")
    description = models.TextField(_("损坏情况"))
    occurred_on = models.DateField(_("发现日期"))
    reported_by = models.ForeignKey(
        USER, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=DamageStatus.choices, default=DamageStatus.REPORTED
    )
    cause = models.CharField(_("损坏原因"), max_length=10, choices=DamageCause.choices, blank=True)
    assessed_by = models.ForeignKey(
        USER, verbose_name=_("认定人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    responsible_user = models.ForeignKey(
        USER,
        verbose_name=_("责任人（教职工）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_class = models.ForeignKey(
        "org.SchoolClass",
        verbose_name=_("责任班级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_name = models.CharField(
        _("责任人姓名"), max_length=50, blank=True, help_text=_("如学生姓名。")
    )
    compensation_amount = models.DecimalField(
        _("赔偿金额（元）"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    receipt_number = models.CharField(_("收据号"), max_length=50, blank=True)
    settled_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    waiver_reason = models.CharField(_("减免理由"), max_length=200, blank=True)
    repair_reference = models.CharField(
        _("维修单"), max_length=60, blank=True, help_text=_("转维修后的报修单号。")
    )

    class Meta:
        verbose_name = _("损坏报告")
        verbose_name_plural = _("损坏报告")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="assets_damage_number_unique")
        ]
        indexes = [
            models.Index(fields=["school", "status", "-created_at"]),
            models.Index(fields=["asset", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.asset.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetdamage_detail", args=[self.pk])


class AssetDisposal(SchoolScopedModel):
    """处置申请: scrap, loss, transfer out, sale, donation or exchange, approved by value."""

    number = models.CharField(_("单号"), max_length=30)
    kind = models.CharField(_("处置方式"), max_length=20, choices=DisposalKind.choices)
    reason = models.TextField(_("处置理由"))
    status = models.CharField(
        _("状态"), max_length=20, choices=DisposalStatus.choices, default=DisposalStatus.DRAFT
    )
    requested_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    total_value = models.DecimalField(_("原值合计（元）"), **MONEY, default=Decimal("0.00"))
    net_value = models.DecimalField(_("净值合计（元）"), **MONEY, default=Decimal("0.00"))
    counterparty = models.CharField(
        _("接收单位/买受人"), max_length=100, blank=True, help_text=_("调拨、出售、捐赠、置换时填写。")
    )
    proceeds = models.DecimalField(
        _("处置收入（元）"), **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    disposed_on = models.DateField(_("处置日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("资产处置")
        verbose_name_plural = _("资产处置")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="assets_disposal_number_unique")
        ]
        indexes = [models.Index(fields=["school", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("assets:assetdisposal_detail", args=[self.pk])


class AssetDisposalItem(models.Model):
    disposal = models.ForeignKey(AssetDisposal, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.PROTECT, related_name="disposal_items"
    )
    total_value = models.DecimalField(_("原值（元）"), **MONEY)
    net_value = models.DecimalField(_("净值（元）"), **MONEY)

    class Meta:
        verbose_name = _("处置明细")
        verbose_name_plural = _("处置明细")
        constraints = [
            models.UniqueConstraint(fields=["disposal", "asset"], name="assets_disposalitem_unique")
        ]

    def __str__(self) -> str:
        return str(self.asset)


__all__ = [
    "Asset",
    "AssetCategory",
    "AssetCustody",
    "AssetCustodyItem",
    "AssetCustomField",
    "AssetDamage",
    "AssetDisposal",
    "AssetDisposalItem",
    "AssetLoan",
    "AssetSettings",
    "AssetTransfer",
    "AssetTransferItem",
]
