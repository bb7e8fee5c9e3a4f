"""Presentation of form widgets: the Bootstrap class a widget gets when its form set none."""

from __future__ import annotations

from django import forms, template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def widget_class(widget: forms.Widget) -> str | None:
    """Bootstrap's class for `widget` (None: radios, hidden and compound widgets style
    their own parts)."""
    if isinstance(widget, forms.RadioSelect | forms.HiddenInput | forms.MultiWidget):
        return None
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def bootstrap(field: BoundField) -> SafeString:
    """The field's widget, with Bootstrap's class unless the form already chose one."""
    css = None if "class" in field.field.widget.attrs else widget_class(field.field.widget)
    return field.as_widget(attrs={"class": css} if css else None)
