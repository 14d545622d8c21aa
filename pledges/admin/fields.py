"""Form fields of the editors' desk that spare editors raw JSON and long integers: a list of
words is edited one per line, an amount in won as Koreans write it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.korean.money import format_krw, parse_amount


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


class KrwField(forms.CharField):
    """An amount in won, written as Koreans write it ("957억 원", "1조 2천억", "3억5천만원") or
    as plain digits; shown as "957억원", never as a long integer."""

    default_error_messages = {
        "invalid_krw": _("Write an amount such as 957억 원, 1조 2천억 원 or 95700000000."),
    }

    def prepare_value(self, value):
        if isinstance(value, int):
            written = format_krw(value)
            # Shown in words only when they read back to the same amount, to the won.
            return written if parse_amount(written) == value else str(value)
        return value

    def to_python(self, value) -> int | None:
        if isinstance(value, int):
            return value
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        digits = text.replace(",", "").replace(" ", "").removesuffix("원")
        if digits.isdigit():
            return int(digits)
        amount = parse_amount(text)
        if amount is None:
            raise forms.ValidationError(self.error_messages["invalid_krw"], code="invalid_krw")
        return amount

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except forms.ValidationError:
            return True
