"""Excel export of the asset ledger: what the ledger list's filters show, as the user sees it.

Up to ``EXPORT_SYNC_MAX_ROWS`` rows the file comes back at once; above, the core runs the export
as a task with a progress page (``houqin.core.exports``), e.g. for 100,000 cards.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from houqin.core.excel import ExportColumn
from houqin.core.exports import ExportSpec, register_export

from .filters import filtered_assets
from .models import Asset


def ledger_rows(school, user, params):
    """The ledger list's rows for ``params`` (same filters, same order), ready to write."""
    base = Asset.objects.for_school(school).select_related("category", "location", "department", "custodian")
    return filtered_assets(school, params, base)


ASSETS = register_export(
    ExportSpec(
        key="assets.asset",
        title=_("资产台账"),
        perm="assets.view_asset",
        columns=[
            ExportColumn(_("资产编号"), "code", width=18),
            ExportColumn(_("资产名称"), "name", width=24),
            # "301 计算机设备": the importer reads the code (or the name) back
            ExportColumn(_("资产分类"), "category", width=20),
            ExportColumn(_("规格型号"), "spec_model", width=20),
            ExportColumn(_("品牌"), "brand"),
            ExportColumn(_("序列号"), "serial_number"),
            ExportColumn(_("数量"), "quantity"),
            ExportColumn(_("计量单位"), "unit"),
            ExportColumn(_("单价（元）"), "unit_price"),
            ExportColumn(_("原值（元）"), "total_value"),
            ExportColumn(
                _("资产类型"), "get_asset_class_display"
            ),  # 资产类别 is the importer's category alias
            ExportColumn(_("取得日期"), "acquired_on"),
            ExportColumn(_("取得方式"), "get_acquisition_way_display"),
            ExportColumn(_("经费来源"), "funding_source"),
            ExportColumn(_("供应商"), "supplier", width=24),
            ExportColumn(_("发票号"), "invoice_number"),
            ExportColumn(_("保修截止"), "warranty_until"),
            ExportColumn(_("存放地点"), "location.full_name", width=36),
            ExportColumn(_("使用部门"), "department.name"),
            ExportColumn(_("责任人"), "custodian"),
            ExportColumn(_("状态"), "get_status_display"),
            ExportColumn(_("处置日期"), "disposed_on"),
            ExportColumn(_("备注"), "note", width=30),
        ],
        queryset=ledger_rows,
    )
)
