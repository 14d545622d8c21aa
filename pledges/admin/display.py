"""How the editors' desk shows a suggestion: the justifying sentence with the matched terms
marked, and the amounts found as Koreans read them (957억 원 · 국비 · 확보). Everything from an
article is escaped: no HTML from outside reaches an editor's page."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


# Looked up a few hundred times a queue page: a dict, not an enum built from its value after
# a search of the list Django's ``.values`` makes on each access.
_STAGE_LABELS = dict(BudgetStage.choices)
_FUNDER_LABELS = dict(Funder.choices)


def stage_label(stage: str | None) -> str:
    label = _STAGE_LABELS.get(stage) if isinstance(stage, str) else None
    return str(label) if label is not None else ""


def funder_label(funder: str | None) -> str:
    label = _FUNDER_LABELS.get(funder) if isinstance(funder, str) else None
    return str(label) if label is not None else ""


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


# What the matcher's features mean, for the editor reading "why it was suggested".
FEATURE_LABELS = {
    "rule_score": _("rule score"),
    "evidence": _("evidence before demotions"),
    "first_title": _("first named in the title"),
    "first_lead": _("first named in the lead"),
    "kind_alias": _("strongest term: an alias or the title"),
    "kind_derived": _("strongest term: a name from the official wording"),
    "kind_keyword": _("strongest term: a keyword"),
    "region_same_sentence": _("sentences that also name the region"),
    "passing": _("named in passing only"),
    "other_region_subject": _("the article is about another region"),
    "context_only": _("named only beside another pledge or as a future goal"),
    "future_share": _("sentences about the future"),
    "evidence_share": _("its share of all pledges' evidence in the article"),
    "other_pledges": _("other pledges in the article"),
    "mention_sentences": _("sentences naming it (log)"),
    "article_sentences": _("sentences in the article (log)"),
    "demotion": _("demotion"),
}
OUTLET_PREFIX = "outlet:"


def feature_label(name: str) -> str:
    if name.startswith(OUTLET_PREFIX):
        return gettext("outlet: %(outlet)s") % {"outlet": name.removeprefix(OUTLET_PREFIX)}
    return str(FEATURE_LABELS.get(name, name))


def feature_lines(weights: Iterable[tuple[str, float]]) -> SafeString:
    """One line per feature: its meaning in words and its signed weight (+0.42 / −0.13)."""
    return format_html_join(
        "",
        '<li><span title="{}">{}</span> {}</li>',
        (
            (name, feature_label(name), f"{weight:+.2f}".replace("-", "−"))
            for name, weight in weights
        ),
    )


def terms_text(terms: Iterable[str] | None) -> str:
    return ", ".join(t for t in terms or [] if isinstance(t, str)) or "—"
