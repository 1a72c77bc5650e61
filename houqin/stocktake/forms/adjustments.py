"""Forms of the adjustments step: one small form per proposed adjustment (its note, and the value
its kind lets the office change: the place of a transfer or a new card, the counted quantity, the
new card's category).

The selects are filled from choices read once per page (``AdjustmentChoices``), so a page of a
hundred proposals does not read the categories a hundred times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from houqin.assets.forms.ledger import category_label, tree_order
from houqin.assets.models import AssetCategory
from houqin.org.models import Location

from ..choices import AdjustmentKind
from ..models import StocktakeAdjustment


@dataclass
class AdjustmentChoices:
    """The school's active categories and locations, read on first use (two queries at most)."""

    school: object
    _categories: dict | None = field(default=None, repr=False)
    _locations: dict | None = field(default=None, repr=False)

    @property
    def categories(self) -> dict[int, AssetCategory]:
        if self._categories is None:
            rows = tree_order(AssetCategory.objects.for_school(self.school).filter(is_active=True))
            self._categories = {c.pk: c for c in rows}
        return self._categories

    @property
    def locations(self) -> dict[int, Location]:
        if self._locations is None:
            rows = Location.objects.for_school(self.school).filter(is_active=True).order_by("path")
            self._locations = {loc.pk: loc for loc in rows}
        return self._locations


class _PickField(forms.TypedChoiceField):
    """A select over objects read beforehand: the value is the object (or None when blank)."""

    def __init__(self, *, objects: dict, label_of, **kwargs):
        self.objects = objects
        choices = [("", "---------"), *((pk, label_of(obj)) for pk, obj in objects.items())]
        super().__init__(choices=choices, coerce=lambda v: objects[int(v)], empty_value=None, **kwargs)


class AdjustmentForm(forms.Form):
    """What the office may change on one proposal (the fields depend on its kind)."""

    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, adjustment: StocktakeAdjustment, choices: AdjustmentChoices, **kwargs):
        kind = adjustment.kind
        initial = {"note": adjustment.note}
        if kind == AdjustmentKind.QUANTITY:
            initial["new_quantity"] = adjustment.new_quantity
        if kind in (AdjustmentKind.TRANSFER, AdjustmentKind.NEW_CARD):
            initial["to_location"] = adjustment.to_location_id
        if kind == AdjustmentKind.NEW_CARD and adjustment.surplus is not None:
            initial["category"] = adjustment.surplus.category_id
        super().__init__(*args, initial=initial, prefix=f"adj{adjustment.pk}", **kwargs)
        self.adjustment = adjustment
        if kind == AdjustmentKind.QUANTITY:
            self.fields["new_quantity"] = forms.IntegerField(
                label=_("调整后数量"), min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
            )
        if kind in (AdjustmentKind.TRANSFER, AdjustmentKind.NEW_CARD):
            locations = dict(choices.locations)
            current = adjustment.to_location
            if current is not None and current.pk not in locations:
                locations[current.pk] = current  # a place switched off since stays selectable
            self.fields["to_location"] = _PickField(
                label=_("调整到位置") if kind == AdjustmentKind.TRANSFER else _("存放地点"),
                objects=locations,
                label_of=lambda loc: loc.full_name or loc.name,
                required=kind == AdjustmentKind.TRANSFER,
            )
        if kind == AdjustmentKind.NEW_CARD:
            self.fields["category"] = _PickField(
                label=_("资产分类"), objects=choices.categories, label_of=category_label, required=False
            )
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs.setdefault("class", css)

    def service_kwargs(self) -> dict:
        """The arguments of ``stocktake_adjustment_update`` from the cleaned data."""
        data = self.cleaned_data
        out = {"note": data.get("note", "")}
        for name in ("new_quantity", "to_location", "category"):
            if data.get(name) is not None:
                out[name] = data[name]
        return out
