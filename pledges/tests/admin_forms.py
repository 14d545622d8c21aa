"""Helpers for admin tests: the POST a browser would send for an admin change form as shown."""

from __future__ import annotations


def _put(data: dict, bound_field) -> None:
    value = bound_field.value()
    widget_type = type(bound_field.field.widget).__name__
    if widget_type == "CheckboxInput":
        if value:
            data[bound_field.html_name] = "on"
        return
    if value is None:
        data[bound_field.html_name] = ""
    elif isinstance(value, list | tuple):
        data[bound_field.html_name] = [str(v) for v in value]
    else:
        data[bound_field.html_name] = str(value)


def change_form_data(response) -> dict:
    """The form and every inline formset of an admin add/change page, unchanged."""
    data: dict = {}
    for bound_field in response.context["adminform"].form:
        _put(data, bound_field)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            _put(data, bound_field)
        for form in formset.forms:
            for bound_field in form:
                _put(data, bound_field)
    return data


def inline_prefix(response, verbose_name_plural: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if str(inline.opts.verbose_name_plural) == verbose_name_plural:
            return inline.formset.prefix
    raise KeyError(verbose_name_plural)
