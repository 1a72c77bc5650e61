"""Stocktake (盘点): a plan, its locations with their counters, the expected cards (a snapshot taken
when the plan is made), what was counted, the unknown items found and the adjustments proposed.

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

from .choices import AdjustmentKind, CountCondition, LineResult, StocktakeKind, StocktakeStatus
from .querysets import StocktakeLineManager, StocktakeLocationManager, StocktakeManager

MONEY = {"max_digits": 14, "decimal_places": 2}
USER = settings.AUTH_USER_MODEL


class Stocktake(SchoolScopedModel):
    """盘点计划: kind, scope and deadline; the expected cards are snapshot into lines on creation."""

    number = models.CharField(_("盘点单号"), max_length=30)
    title = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("盘点类型"), max_length=20, choices=StocktakeKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=StocktakeStatus.choices, default=StocktakeStatus.COUNTING
    )
    deadline = models.DateField(_("截止日期"))
    scope_location = models.ForeignKey(
        "org.Location",
        verbose_name=_("范围：位置"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("只盘点该位置及其下级位置的资产。"),
    )
    scope_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("范围：使用部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scope_category = models.ForeignKey(
        "assets.AssetCategory",
        verbose_name=_("范围：资产分类"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("含下级分类。"),
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    expected_count = models.PositiveIntegerField(_("应盘卡片数"), default=0)
    expected_value = models.DecimalField(_("应盘原值（元）"), **MONEY, default=Decimal("0.00"))
    counting_closed_at = models.DateTimeField(_("结束盘点时间"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("对账时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交审批时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结账时间"), null=True, blank=True)
    # progress of the reconciliation task (DESIGN.md rule 6: long work shows progress)
    reconcile_total = models.PositiveIntegerField(_("对账总数"), default=0)
    reconcile_done = models.PositiveIntegerField(_("已对账数"), default=0)
    reconcile_error = models.CharField(_("对账错误"), max_length=500, blank=True)
    # counts and values by result, filled by the reconciliation
    summary = models.JSONField(_("对账汇总"), default=dict, blank=True)

    objects = StocktakeManager()

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="stocktake_number_unique")]
        indexes = [models.Index(fields=["school", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("stocktake:stocktake_detail", args=[self.pk])

    @property
    def is_counting(self) -> bool:
        return self.status == StocktakeStatus.COUNTING

    @property
    def is_locked(self) -> bool:
        return self.status in (StocktakeStatus.CLOSED, StocktakeStatus.CANCELLED)

    @property
    def reconcile_percent(self) -> int:
        if self.status not in (StocktakeStatus.RECONCILING,):
            return 100 if self.reconciled_at else 0
        return int(self.reconcile_done * 100 / self.reconcile_total) if self.reconcile_total else 0


class StocktakeLocation(SchoolScopedModel):
    """One place to count in a plan, with its counter (the room's custodian by default).

    ``location`` is empty for the cards of the plan that have no location on their card.
    """

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("盘点"), on_delete=models.CASCADE, related_name="locations"
    )
    location = models.ForeignKey(
        "org.Location",
        verbose_name=_("位置"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    counter = models.ForeignKey(
        USER, verbose_name=_("盘点人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expected_count = models.PositiveIntegerField(_("应盘卡片数"), default=0)
    finished_at = models.DateTimeField(_("盘完时间"), null=True, blank=True)
    finished_by = models.ForeignKey(
        USER, verbose_name=_("确认盘完"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StocktakeLocationManager()

    class Meta:
        verbose_name = _("盘点位置")
        verbose_name_plural = _("盘点位置")
        ordering = ["stocktake", "location__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "location"], name="stocktake_location_unique"),
        ]
        indexes = [models.Index(fields=["school", "counter", "stocktake"])]

    def __str__(self) -> str:
        return self.location.full_name if self.location_id else str(_("（未登记位置）"))

    def get_absolute_url(self) -> str:
        return reverse("stocktake:stocktakelocation_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class StocktakeLine(SchoolScopedModel):
    """An asset card in a plan: expected where (the snapshot) and what the count found.

    ``expected`` is False for a card of this school that was counted but is outside the plan's scope
    (found where the plan did not expect it): it has no expected place.
    """

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("盘点"), on_delete=models.CASCADE, related_name="lines"
    )
    place = models.ForeignKey(
        StocktakeLocation,
        verbose_name=_("账面位置"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lines",
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("资产"), on_delete=models.PROTECT, related_name="stocktake_lines"
    )
    expected = models.BooleanField(_("在盘点范围内"), default=True)
    expected_quantity = models.PositiveIntegerField(_("账面数量"), default=0)
    book_value = models.DecimalField(_("账面原值（元）"), **MONEY, default=Decimal("0.00"))
    counted_quantity = models.PositiveIntegerField(_("实盘数量"), null=True, blank=True)
    found_in = models.ForeignKey(
        StocktakeLocation,
        verbose_name=_("实盘位置"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="found_lines",
    )
    condition = models.CharField(_("状况"), max_length=20, choices=CountCondition.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    counted_by = models.ForeignKey(
        USER, verbose_name=_("盘点人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField(_("盘点时间"), null=True, blank=True)
    # the phone's id of the scan that set this count: a retried request changes nothing
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    result = models.CharField(
        _("盘点结果"), max_length=20, choices=LineResult.choices, default=LineResult.PENDING
    )

    objects = StocktakeLineManager()

    class Meta:
        verbose_name = _("盘点明细")
        verbose_name_plural = _("盘点明细")
        ordering = ["place", "asset__code"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "asset"], name="stocktake_line_asset_unique"),
            models.CheckConstraint(
                condition=models.Q(expected=False) | models.Q(place__isnull=False),
                name="stocktake_line_expected_has_place",
            ),
        ]
        indexes = [
            models.Index(fields=["stocktake", "place", "counted_at"]),
            models.Index(fields=["stocktake", "found_in"]),
            models.Index(fields=["stocktake", "result"]),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake.number} · {self.asset}"

    @property
    def is_counted(self) -> bool:
        return self.counted_at is not None

    @property
    def is_misplaced(self) -> bool:
        return self.is_counted and (not self.expected or self.found_in_id != self.place_id)


class StocktakeSurplus(SchoolScopedModel):
    """An item found with no card (盘盈): described and photographed, proposed as a new card."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("盘点"), on_delete=models.CASCADE, related_name="surpluses"
    )
    place = models.ForeignKey(
        StocktakeLocation, verbose_name=_("发现位置"), on_delete=models.CASCADE, related_name="surpluses"
    )
    name = models.CharField(_("物品名称"), max_length=100)
    spec_model = models.CharField(_("规格型号"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1, validators=[MinValueValidator(1)])
    unit = models.CharField(_("计量单位"), max_length=10, default="件")
    category = models.ForeignKey(
        "assets.AssetCategory",
        verbose_name=_("资产分类"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    estimated_value = models.DecimalField(
        _("估计原值（元）"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    counted_by = models.ForeignKey(
        USER, verbose_name=_("盘点人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField(_("盘点时间"))
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("入账卡片"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn = models.BooleanField(_("已撤销"), default=False)

    class Meta:
        verbose_name = _("盘盈物品")
        verbose_name_plural = _("盘盈物品")
        ordering = ["place", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "client_key"], name="stocktake_surplus_client_key"),
        ]
        indexes = [models.Index(fields=["stocktake", "place"])]

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class StocktakeAdjustment(SchoolScopedModel):
    """A proposed change to the books from a difference; applied through the Assets services once
    the stocktake-adjustment approval is through. ``include`` lets the office leave one out."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("盘点"), on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("调整方式"), max_length=20, choices=AdjustmentKind.choices)
    line = models.ForeignKey(
        StocktakeLine,
        verbose_name=_("盘点明细"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    surplus = models.ForeignKey(
        StocktakeSurplus,
        verbose_name=_("盘盈物品"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("资产"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_location = models.ForeignKey(
        "org.Location",
        verbose_name=_("调整到位置"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    new_quantity = models.PositiveIntegerField(_("调整后数量"), null=True, blank=True)
    amount = models.DecimalField(
        _("涉及金额（元）"), **MONEY, default=Decimal("0.00"), help_text=_("盘亏为负，盘盈为正。")
    )
    include = models.BooleanField(_("纳入调整"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("调账时间"), null=True, blank=True)
    reference = models.CharField(_("调账结果"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("盘点调整")
        verbose_name_plural = _("盘点调整")
        ordering = ["stocktake", "kind", "pk"]
        indexes = [models.Index(fields=["stocktake", "kind", "include"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.asset or self.surplus}"
