"""Template helpers shared by every app's templates: ``{% load houqin %}``."""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def filter_select(bound_field, css_class: str = "form-select form-select-sm"):
    """A list filter's ``<select>`` written in one pass.

    Django renders every ``<option>`` through its own template; on a list page with a few
    filters that was a quarter of the page's time (bench/RESULTS.md). Filters are plain selects
    without option groups, so this writes the same markup directly. Other widgets render as usual.
    """
    field = bound_field.field
    widget = field.widget
    if not isinstance(widget, forms.Select) or isinstance(widget, forms.SelectMultiple) or field.disabled:
        if not isinstance(widget, forms.Select | forms.CheckboxInput):
            # a date, number or text filter is an input, styled as one
            css_class = css_class.replace("form-select", "form-control")
        return bound_field.as_widget(attrs={"class": css_class})
    value = bound_field.value()
    selected = "" if value in (None, "") else str(value)
    choices = widget.choices if widget.choices else field.choices
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (option, mark_safe(" selected") if str(option) == selected else "", label)
            for option, label in choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}" class="{}">{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        css_class,
        options,
    )
