"""Parameters of the asset reports: a date ("as of"), a period, a scope. GET forms: a bad value is
shown as a field error and the report falls back to its default, so the page always answers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..reports import months_before

MAX_PERIOD_DAYS = 366 * 10
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def check_date(value: dt.date | None) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(_("日期应在 1900 年到 2999 年之间。"))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


class AsOfForm(forms.Form):
    """Always bound: a missing date is today's, so the date box shows the date the report uses."""

    as_of = forms.DateField(label=_("截至日期"), required=False, widget=DateInput())

    def __init__(self, data=None, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("as_of"):
            data["as_of"] = timezone.localdate().isoformat()
        super().__init__(data, **kwargs)

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        check_date(value)
        return value

    def date(self) -> dt.date:
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


def term_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The school term ``day`` falls in: autumn 1 Aug – 31 Jan (第一学期), spring 1 Feb – 31 Jul."""
    if day.month >= 8:
        return dt.date(day.year, 8, 1), dt.date(day.year + 1, 1, 31)
    if day.month == 1:
        return dt.date(day.year - 1, 8, 1), dt.date(day.year, 1, 31)
    return dt.date(day.year, 2, 1), dt.date(day.year, 7, 31)


def period_presets(today: dt.date | None = None) -> list[tuple[str, dt.date, dt.date]]:
    today = today or timezone.localdate()
    term = term_of(today)
    return [
        (str(_("本学期")), *term),
        (str(_("本年度")), dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        (str(_("上年度")), dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        (str(_("近 12 个月")), months_before(today, 12) + dt.timedelta(days=1), today),
    ]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def __init__(self, data=None, *, default: tuple[dt.date, dt.date] | None = None, **kwargs):
        today = timezone.localdate()
        self.default = default or (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        # always bound: a missing date is the default's, so the boxes show the period the report uses
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, value in zip(("start", "end"), self.default, strict=True):
            if not data.get(name):
                data[name] = value.isoformat()
        super().__init__(data, **kwargs)

    def clean_start(self):
        check_date(self.cleaned_data.get("start"))
        return self.cleaned_data.get("start")

    def clean_end(self):
        check_date(self.cleaned_data.get("end"))
        return self.cleaned_data.get("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("统计期间最长 10 年。"))
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.default
