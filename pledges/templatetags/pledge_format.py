"""Money the way readers expect it: 4,269억 원 in Korean, KRW 426.9 billion in English."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Hangul syllables, jamo and compatibility jamo.
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


@register.filter
def lang_ko(value) -> str:
    """` lang="ko"` for an element showing Korean text (a title, name, outlet, snippet with no
    English version) on a page in another language, so screen readers pronounce it as Korean;
    nothing on Korean pages, whose <html lang> says it already. Use: <h1{{ title|lang_ko }}>."""
    if (get_language() or "ko").startswith("ko") or not _HANGUL.search(str(value or "")):
        return ""
    return mark_safe(' lang="ko"')


_KOREAN_UNITS = [(10**12, "조"), (10**8, "억"), (10**4, "만")]
_ENGLISH_UNITS = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million")]


def format_krw_korean(amount: int) -> str:
    if amount == 0:
        return "0원"
    sign = "-" if amount < 0 else ""
    rest = abs(amount)
    parts = []
    for unit, name in _KOREAN_UNITS:
        count, rest = divmod(rest, unit)
        if count:
            parts.append(f"{count:,}{name}")
    if rest:
        parts.append(f"{rest:,}")
    return f"{sign}{' '.join(parts)} 원"


def format_krw_english(amount: int) -> str:
    magnitude = abs(amount)
    for unit, name in _ENGLISH_UNITS:
        if magnitude >= unit:
            value = f"{amount / unit:,.2f}".rstrip("0").rstrip(".")
            return f"KRW {value} {name}"
    return f"KRW {amount:,}"


@register.filter
def krw(amount) -> str:
    """Integer KRW shown in the active language; empty for unknown amounts."""
    if amount is None or amount == "":
        return ""
    amount = int(amount)
    if (get_language() or "ko").startswith("en"):
        return format_krw_english(amount)
    return format_krw_korean(amount)


@register.filter
def percent(ratio) -> str:
    if ratio is None:
        return ""
    return f"{ratio * 100:.1f}%"


@register.simple_tag(takes_context=True)
def url_in_language(context, language_code: str) -> str:
    """This page's address in another language (Korean at the root, English under /en/)."""
    from django.urls import translate_url

    request = context["request"]
    return translate_url(request.get_full_path(), language_code)


@register.filter
def krw_bound(amount, is_lower_bound=False) -> str:
    """An amount that may be a lower bound: "2조 원 이상" / "at least KRW 2 trillion"."""
    text = krw(amount)
    if not text or not is_lower_bound:
        return text
    if (get_language() or "ko").startswith("en"):
        return f"at least {text}"
    return f"{text} 이상"


def format_date(value) -> str:
    """2025. 6. 10. in Korean (as Korean readers write dates), 10 Jun 2025 in English."""
    if (get_language() or "ko").startswith("en"):
        return f"{value.day} {value:%b} {value.year}"
    return f"{value.year}. {value.month}. {value.day}."


@register.filter
def day(value):
    """A date (or the Seoul day of a time) as a <time> element that never wraps mid-date."""
    from django.utils import timezone
    from django.utils.html import format_html

    if value in (None, ""):
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return format_html(
        '<time class="date" datetime="{}">{}</time>', value.isoformat(), format_date(value)
    )


@register.filter
def width_class(share) -> str:
    """A share 0..1 as one of the classes w-0 … w-100 (site.css): bar widths without inline
    styles, which the Content-Security-Policy (style-src 'self') does not allow."""
    return f"w-{round(max(0.0, min(1.0, float(share or 0))) * 100)}"


@register.simple_tag
def promiser_overview(overview, show_pledges=False) -> str:
    """One promiser's scoreboard (pledges/partials/overview.html), reused from this process's
    memory while nothing it shows changed (pledges/site/fragments.py): after a publication the
    front page and list render only the scoreboards that changed, not hundreds."""
    from pledges.site.fragments import render_kept

    return render_kept(
        "pledges/partials/overview.html", {"overview": overview, "show_pledges": show_pledges}
    )
