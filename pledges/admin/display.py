"""How the editors' desk shows a suggestion: the justifying sentence with the matched terms
marked, and the amounts found as Koreans read them (957억 원 · 국비 · 확보). Everything from an
article is escaped: no HTML from outside reaches an editor's page."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from pledges.models import BudgetStage, Funder
from pledges.templatetags.pledge_format import krw


def _term_pattern(term: str) -> str:
    # The matcher ignores spacing, so "AX 실증밸리" in a sentence matches the term "AX실증밸리".
    letters = [re.escape(ch) for ch in term if not ch.isspace()]
    return r"\s*".join(letters)


def highlight_terms(text: str, terms: Iterable[str]) -> SafeString:
    """The text, escaped, with each occurrence of a matched term wrapped in <mark>."""
    patterns = sorted(
        {_term_pattern(t) for t in terms if isinstance(t, str) and t.strip()}, key=len, reverse=True
    )
    if not text:
        return mark_safe("")
    if not patterns:
        return escape(text)
    parts = []
    position = 0
    for found in re.finditer("|".join(patterns), text, flags=re.IGNORECASE):
        if found.start() == found.end():
            continue
        parts.append(escape(text[position : found.start()]))
        parts.append(format_html("<mark>{}</mark>", found.group(0)))
        position = found.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(str(p) for p in parts))  # each part escaped above


def stage_label(stage: str | None) -> str:
    return str(BudgetStage(stage).label) if stage in BudgetStage.values else ""


def funder_label(funder: str | None) -> str:
    return str(Funder(funder).label) if funder in Funder.values else ""


def amount_line(amount: dict) -> str:
    """One amount found: "957억 원 · 국비 · 확보 (국회 확정)"."""
    try:
        money = krw(int(amount.get("krw")))
    except (TypeError, ValueError):
        money = str(amount.get("text", ""))
    words = [money, funder_label(amount.get("funder")), stage_label(amount.get("stage"))]
    return " · ".join(w for w in words if w)


def amounts_list(amounts: Iterable[dict] | None) -> SafeString:
    lines = [amount_line(a) for a in amounts or [] if isinstance(a, dict)]
    if not lines:
        return mark_safe("")
    items = format_html_join("", "<li>{}</li>", ((line,) for line in lines))
    return format_html('<ul class="desk-amounts">{}</ul>', items)
