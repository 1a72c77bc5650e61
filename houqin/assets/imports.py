"""Excel import of asset cards (登记造册) from a typical Chinese asset system's export.

School asset systems (and the ledgers kept by hand) name their columns differently: 资产编号 or
卡片编号, 价值 or 原值 or 金额, 使用人 or 责任人 ... so every column takes the usual aliases.
``validate_all`` looks up categories, departments, staff and places for the whole file in a few
queries and reports every problem at once; ``save_rows`` registers all cards with one batch
service call (``asset_create_many``), which checks everything again. Nothing is imported until
the file is clean.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core.excel import (
    Choice,
    Column,
    Date,
    DecimalNumber,
    Importer,
    Integer,
    PersonName,
    Row,
    RowError,
    Text,
    duplicate_rows,
    in_chunks,
)
from houqin.core.services import BatchValidationError
from houqin.org.imports import StaffLookup
from houqin.org.models import Department, Location

from . import services
from .choices import AcquisitionWay
from .models import Asset, AssetCategory

CENT = Decimal("0.01")

# Words other systems use for the way an asset was acquired.
ACQUISITION_SYNONYMS = {
    "新购": AcquisitionWay.PURCHASE,
    "采购": AcquisitionWay.PURCHASE,
    "购买": AcquisitionWay.PURCHASE,
    "购入": AcquisitionWay.PURCHASE,
    "政府采购": AcquisitionWay.PURCHASE,
    "接受捐赠": AcquisitionWay.DONATION,
    "受赠": AcquisitionWay.DONATION,
    "捐赠": AcquisitionWay.DONATION,
    "无偿调入": AcquisitionWay.TRANSFER_IN,
    "调拨": AcquisitionWay.TRANSFER_IN,
    "划拨": AcquisitionWay.TRANSFER_IN,
    "自制": AcquisitionWay.SELF_BUILT,
    "自建": AcquisitionWay.SELF_BUILT,
    "盘盈": AcquisitionWay.OTHER,
    "置换": AcquisitionWay.OTHER,
}


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _place_key(text: str) -> str:
    """``"教学楼 / 1F / 电脑室"``, ``"教学楼/1F/电脑室"`` and full-width slashes compare equal."""
    return "/".join(part.strip() for part in unicodedata.normalize("NFKC", text or "").split("/"))


class AssetImporter(Importer):
    name = "assets.asset"
    title = gettext_lazy("资产卡片")
    sheet_title = gettext_lazy("资产卡片")
    columns = [
        Column(
            "code",
            gettext_lazy("资产编号"),
            Text(40, normalize=True),
            aliases=["卡片编号", "资产代码", "资产卡片编号", "卡片号", "编号"],
            example="ZC-2024-00001",
            help_text=gettext_lazy("本校唯一；不填则自动生成。原系统的卡片编号可直接沿用。"),
        ),
        Column(
            "name",
            gettext_lazy("资产名称"),
            Text(100),
            required=True,
            aliases=["名称", "资产名", "物品名称"],
            example="台式计算机",
        ),
        Column(
            "category",
            gettext_lazy("资产分类"),
            Text(120),
            required=True,
            aliases=["分类", "分类代码", "资产类别", "分类名称", "资产分类代码", "资产分类名称", "国标分类"],
            example="301 计算机设备",
            help_text=gettext_lazy(
                "填本校资产分类的代码或名称，如 301 或 计算机设备，也可两者都填：301 计算机设备。"
            ),
        ),
        Column(
            "spec_model",
            gettext_lazy("规格型号"),
            Text(100),
            aliases=["规格", "型号", "规格型号说明"],
            example="联想 M720",
        ),
        Column("brand", gettext_lazy("品牌"), Text(50), aliases=["厂牌", "品牌名称"], example="联想"),
        Column(
            "serial_number",
            gettext_lazy("序列号"),
            Text(80),
            aliases=["出厂编号", "出厂号", "SN"],
            example="SN123456",
        ),
        Column(
            "quantity",
            gettext_lazy("数量"),
            Integer(1, 1000000),
            aliases=["资产数量", "数量(台件)"],
            example=1,
            help_text=gettext_lazy("不填为 1。同样的物品可登记在一张卡片上，如 40 套课桌椅。"),
        ),
        Column("unit", gettext_lazy("计量单位"), Text(10), aliases=["单位"], example="台"),
        Column(
            "unit_price",
            gettext_lazy("单价"),
            DecimalNumber(2, 0),
            aliases=["单价(元)", "单位价值"],
            example="4800.00",
            help_text=gettext_lazy("元。只填原值时，单价 = 原值 ÷ 数量。"),
        ),
        Column(
            "total_value",
            gettext_lazy("原值"),
            DecimalNumber(2, 0),
            aliases=["价值", "金额", "总价", "资产原值", "账面原值", "原值(元)", "价值(元)", "总金额"],
            example="4800.00",
            help_text=gettext_lazy("元，等于单价 × 数量；单价和原值至少填一个。"),
        ),
        Column(
            "acquired_on",
            gettext_lazy("取得日期"),
            Date(),
            required=True,
            aliases=["购置日期", "入账日期", "购入日期", "取得时间", "购置时间", "启用日期"],
            example="2024-09-01",
        ),
        Column(
            "acquisition_way",
            gettext_lazy("取得方式"),
            Choice(AcquisitionWay, ACQUISITION_SYNONYMS),
            aliases=["取得方式名称", "来源方式", "增加方式"],
            example=AcquisitionWay.PURCHASE.label,
            help_text=gettext_lazy("不填为购置。"),
        ),
        Column(
            "funding_source",
            gettext_lazy("经费来源"),
            Text(50),
            aliases=["资金来源", "经费来源名称"],
            example="财政拨款",
        ),
        Column("supplier", gettext_lazy("供应商"), Text(100), aliases=["销售商", "供货商", "供货单位"]),
        Column("invoice_number", gettext_lazy("发票号"), Text(50), aliases=["发票号码", "发票编号"]),
        Column(
            "warranty_until",
            gettext_lazy("保修截止"),
            Date(),
            aliases=["保修截止日期", "保修期至", "保修到期日"],
        ),
        Column(
            "department",
            gettext_lazy("使用部门"),
            Text(50),
            aliases=["部门", "使用部门名称", "使用科室"],
            example="总务处",
            help_text=gettext_lazy("本校部门的名称或编码。"),
        ),
        Column(
            "custodian",
            gettext_lazy("责任人"),
            PersonName(150),
            aliases=["使用人", "保管人", "使用人/责任人", "责任人/使用人", "领用人"],
            example="张老师",
            help_text=gettext_lazy("本校在职教职工的用户名、手机号或姓名（姓名须唯一）。"),
        ),
        Column(
            "location",
            gettext_lazy("存放地点"),
            Text(255),
            aliases=["位置", "存放位置", "地点", "放置地点", "存放地点名称"],
            example="教学楼 / 1F / 电脑室",
            help_text=gettext_lazy("位置编号（门牌号）、完整位置，或全校唯一的房间名称。"),
        ),
        Column("note", gettext_lazy("备注"), Text(200), aliases=["说明"]),
    ]

    # --- one row -------------------------------------------------------------------------------------

    def parse_row(self, values: dict[str, Any], row_number: int) -> dict[str, Any]:
        """Quantity 1 when blank; unit price from the total when only the total is given."""
        quantity = values.get("quantity") or 1
        values["quantity"] = quantity
        unit_price, total = values.get("unit_price"), values.get("total_value")
        if unit_price is None and total is None:
            raise ValidationError({"total_value": _("单价和原值至少填一个。")})
        if unit_price is None:
            unit_price = (total / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
            if unit_price * quantity != total:
                raise ValidationError(
                    {
                        "unit_price": _("原值 %(total)s 除以数量 %(quantity)d 不是整分，请填写单价。")
                        % {"total": total, "quantity": quantity}
                    }
                )
        elif total is not None and (unit_price * quantity).quantize(CENT) != total:
            raise ValidationError(
                {
                    "total_value": _("原值 %(total)s 不等于单价 %(price)s × 数量 %(quantity)d。")
                    % {"total": total, "price": unit_price, "quantity": quantity}
                }
            )
        values["unit_price"] = unit_price
        if values.get("acquired_on") and values["acquired_on"] > timezone.localdate():
            raise ValidationError({"acquired_on": _("取得日期不能晚于今天。")})
        return values

    # --- the whole file ------------------------------------------------------------------------------

    def validate_all(self, rows: list[Row]) -> list[RowError]:
        errors: list[RowError] = []
        errors += self._check_codes(rows)
        errors += self._resolve_categories(rows)
        errors += self._resolve_departments(rows)
        errors += self._resolve_staff(rows)
        errors += self._resolve_locations(rows)
        return errors

    def _check_codes(self, rows: list[Row]) -> list[RowError]:
        taken: set[str] = set()
        for chunk in in_chunks(row.data.get("code") for row in rows):
            taken.update(
                Asset.objects.for_school(self.school).filter(code__in=chunk).values_list("code", flat=True)
            )
        errors = [
            self.error(
                row, "code", _("资产编号“%(code)s”已被本校其他资产使用。") % {"code": row.data["code"]}
            )
            for row in rows
            if row.data.get("code") in taken
        ]
        return errors + duplicate_rows(self, rows, "code")

    def _resolve_categories(self, rows: list[Row]) -> list[RowError]:
        """A category code, a name that is unique in the school, or both: ``301 计算机设备``."""
        by_code: dict[str, AssetCategory] = {}
        by_name: dict[str, list[AssetCategory]] = {}
        if any(row.data.get("category") for row in rows):
            for category in AssetCategory.objects.for_school(self.school).only(
                "id", "school_id", "code", "name", "path", "depth", "is_active"
            ):
                by_code[category.code] = category
                by_name.setdefault(_plain(category.name), []).append(category)
        errors = []
        for row in rows:
            text = _plain(row.data.get("category") or "")
            if not text:
                row.data["category"] = None
                continue
            found, ambiguous = self._find_category(text, by_code, by_name)
            row.data["category"] = found
            if found is not None and not found.is_active:
                errors.append(
                    self.error(row, "category", _("资产分类“%(name)s”已停用。") % {"name": found.name})
                )
            elif found is None and ambiguous:
                errors.append(
                    self.error(
                        row,
                        "category",
                        _("有 %(count)d 个分类叫“%(name)s”，请填分类代码。")
                        % {"count": ambiguous, "name": text},
                    )
                )
            elif found is None:
                errors.append(
                    self.error(
                        row,
                        "category",
                        _("本校没有资产分类“%(value)s”（可填分类代码或名称，可在“资产分类”中添加）。")
                        % {"value": text},
                    )
                )
        return errors

    @staticmethod
    def _find_category(text, by_code, by_name) -> tuple[AssetCategory | None, int]:
        candidates = [text]
        code, _sep, rest = text.partition(" ")
        if rest:
            candidates += [code, rest.strip()]
        ambiguous = 0
        for candidate in candidates:
            if candidate in by_code:
                return by_code[candidate], 0
            named = by_name.get(candidate, [])
            if len(named) == 1:
                return named[0], 0
            ambiguous = max(ambiguous, len(named) if len(named) > 1 else 0)
        return None, ambiguous

    def _resolve_departments(self, rows: list[Row]) -> list[RowError]:
        wanted = {_plain(row.data["department"]) for row in rows if row.data.get("department")}
        by_name: dict[str, Department] = {}
        by_code: dict[str, Department] = {}
        if wanted:
            for department in Department.objects.for_school(self.school):
                by_name[_plain(department.name)] = department
                if department.code:
                    by_code[department.code] = department
        errors = []
        for row in rows:
            text = _plain(row.data.get("department") or "")
            if not text:
                row.data["department"] = None
                continue
            department = by_name.get(text) or by_code.get(text)
            row.data["department"] = department
            if department is None:
                errors.append(self.error(row, "department", _("本校没有部门“%(name)s”。") % {"name": text}))
        return errors

    def _resolve_staff(self, rows: list[Row]) -> list[RowError]:
        lookup: StaffLookup | None = None
        errors = []
        for row in rows:
            text = row.data.get("custodian")
            if not text:
                row.data["custodian"] = None
                continue
            lookup = lookup or StaffLookup(self.school)
            try:
                row.data["custodian"] = lookup.find(text)
            except ValueError as exc:
                row.data["custodian"] = None
                errors.append(self.error(row, "custodian", str(exc)))
        return errors

    def _resolve_locations(self, rows: list[Row]) -> list[RowError]:
        """A place code (门牌号), a full name with or without the campus, or a unique name."""
        wanted = {_place_key(row.data["location"]) for row in rows if row.data.get("location")}
        by_code: dict[str, Location] = {}
        by_full: dict[str, Location] = {}
        by_name: dict[str, list[Location]] = {}
        leaves = {w.rsplit("/", 1)[-1] for w in wanted}
        for chunk in in_chunks(wanted | leaves):
            found = (
                Location.objects.for_school(self.school)
                .filter(Q(code__in=chunk) | Q(name__in=chunk))
                .only("id", "school_id", "code", "name", "full_name", "path", "is_active")
            )
            for location in found:
                if location.code:
                    by_code[location.code] = location
                full = _place_key(location.full_name)
                by_full[full] = location
                by_full.setdefault(full.split("/", 1)[-1], location)  # without the campus
                by_name.setdefault(location.name, [])
                if location not in by_name[location.name]:
                    by_name[location.name].append(location)
        errors = []
        for row in rows:
            text = row.data.get("location")
            if not text:
                row.data["location"] = None
                continue
            key = _place_key(text)
            location = by_code.get(key) or by_full.get(key)
            same_name = by_name.get(key, [])
            if location is None and len(same_name) == 1:
                location = same_name[0]
            row.data["location"] = location
            if location is None and len(same_name) > 1:
                errors.append(
                    self.error(
                        row,
                        "location",
                        _("有 %(count)d 个地点叫“%(name)s”，请填编号或完整位置。")
                        % {"count": len(same_name), "name": text},
                    )
                )
            elif location is None:
                errors.append(self.error(row, "location", _("本校找不到地点“%(value)s”。") % {"value": text}))
        return errors

    # --- saving --------------------------------------------------------------------------------------

    def _item(self, data: dict[str, Any]) -> dict[str, Any]:
        item = {key: value for key, value in data.items() if key != "total_value"}
        for key in ("unit", "acquisition_way"):  # blank: the card's default (台, 购置)
            if not item.get(key):
                item.pop(key, None)
        return item

    def save_rows(self, rows: list[Row]) -> list[RowError]:
        """Every card in one batch service call: all checked together, all written or none."""
        items = [self._item(row.data) for row in rows]
        try:
            services.asset_create_many(actor=self.actor, school=self.school, items=items, verb="imported")
        except BatchValidationError as exc:
            errors: list[RowError] = []
            for index, error in exc.errors.items():
                errors.extend(self.errors_from(rows[index], error))
            return errors
        except IntegrityError:
            return [self.conflict_error(rows[0])]
        return []

    def save_row(self, data: dict[str, Any]) -> Asset:
        return services.asset_create(
            actor=self.actor, school=self.school, verb="imported", **self._item(data)
        )
