"""Form fields of the editors' desk that spare editors raw JSON: a list of words is edited one
per line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LinesField(forms.CharField):
    """A JSON list of strings as a text area, one item per line; blank lines and surrounding
    spaces are dropped, the order is kept."""

    widget = forms.Textarea

    def __init__(self, *, help_text="", **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        kwargs["required"] = False
        more = _("One per line.")
        super().__init__(help_text=f"{help_text} {more}".strip() if help_text else more, **kwargs)
        self.widget.attrs.setdefault("rows", 4)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value or ""

    def to_python(self, value) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or []) != self.to_python(data)
