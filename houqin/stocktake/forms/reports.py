"""The filter of a stocktake's results (by result and by location), shared by the results page and
its Excel export (``?export=xlsx`` keeps the filters)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import CONDITION_PROBLEMS, LINE_PROBLEMS, LineResult
from ..models import Stocktake, StocktakeLine, StocktakeLocation

PROBLEMS = "problems"
SURPLUS = "surplus"
RESULT_TABS = [
    ("", _("全部")),
    (PROBLEMS, _("全部差异")),
    (LineResult.MISSING, LineResult.MISSING.label),
    (LineResult.MISPLACED, LineResult.MISPLACED.label),
    (LineResult.SHORT, LineResult.SHORT.label),
    (LineResult.OVER, LineResult.OVER.label),
    (LineResult.DAMAGED, LineResult.DAMAGED.label),
    (LineResult.FOUND, LineResult.FOUND.label),
    (SURPLUS, _("盘盈")),
]


class ResultsFilter(forms.Form):
    """``result`` (a tab) and ``place`` (one of the plan's locations: its lines expected there or
    found there)."""

    result = forms.ChoiceField(label=_("盘点结果"), choices=RESULT_TABS, required=False)
    place = forms.ModelChoiceField(
        label=_("位置"), queryset=StocktakeLocation.objects.none(), required=False, empty_label=_("全部位置")
    )

    def __init__(self, data=None, *, stocktake: Stocktake, **kwargs):
        super().__init__(data, **kwargs)
        self.stocktake = stocktake
        self.fields["place"].queryset = (
            StocktakeLocation.objects.for_school(stocktake.school)
            .filter(stocktake=stocktake)
            .select_related("location")
        )
        self.fields["place"].widget.attrs["class"] = "form-select"
        self.fields["result"].widget.attrs["class"] = "form-select"

    @property
    def chosen_result(self) -> str:
        return self.cleaned_data.get("result", "") if self.is_valid() else ""

    @property
    def chosen_place(self) -> StocktakeLocation | None:
        return self.cleaned_data.get("place") if self.is_valid() else None

    def lines(self):
        """The plan's lines with their result, as the filters ask (no lines on the 盘盈 tab)."""
        lines = (
            StocktakeLine.objects.for_school(self.stocktake.school)
            .filter(stocktake=self.stocktake)
            .select_related(
                "stocktake", "asset", "asset__category", "place__location", "found_in__location", "counted_by"
            )
            .order_by("place__location__path", "place_id", "asset__code", "pk")
        )
        result = self.chosen_result
        if result == SURPLUS:
            return lines.none()
        if result == PROBLEMS:
            lines = lines.filter(result__in=LINE_PROBLEMS)
        elif result == LineResult.DAMAGED:
            # damaged includes cards whose first result was another one (found elsewhere, damaged)
            lines = lines.filter(Q(result=LineResult.DAMAGED) | Q(condition__in=CONDITION_PROBLEMS))
        elif result:
            lines = lines.filter(result=result)
        if self.chosen_place is not None:
            lines = lines.filter(Q(place=self.chosen_place) | Q(found_in=self.chosen_place))
        return lines

    def surpluses(self):
        from ..models import StocktakeSurplus

        if self.chosen_result not in ("", SURPLUS, PROBLEMS):
            return StocktakeSurplus.objects.none()
        rows = (
            StocktakeSurplus.objects.for_school(self.stocktake.school)
            .filter(stocktake=self.stocktake, withdrawn=False)
            .select_related("place__location", "category", "counted_by")
            .order_by("place__location__path", "place_id", "pk")
        )
        if self.chosen_place is not None:
            rows = rows.filter(place=self.chosen_place)
        return rows
