"""Dates as Korean news writes them ("지난 9일", "2026년 3월", "내년 상반기", "올해 말"), resolved
against the article's publication date to the first day of the period they name. Pure, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DATE_PATTERN = re.compile(
    r"(?P<rel>지난해|작년|올해|올|금년|내년|내후년|지난달|이달|이번\s*달|다음\s*달|전날|이날|어제)?"
    r"\s*(?:(?P<y>(?:19|20)\d\d)\s*년(?!\s*도|\s*제\s*\d|\s*간|\s*만에))?"
    r"\s*(?P<half>상반기|하반기|(?<=년\s)말|(?<=년)말|(?<=년\s)초|(?<=년)초)?"
    r"\s*(?:(?P<dir>지난|오는)\s*)?"
    r"(?:(?P<m>1[0-2]|0?[1-9])\s*월(?!\s*간))?"
    r"\s*(?:(?P<d>3[01]|[12]\d|0?[1-9])\s*일(?![가-힣]))?"
)
FISCAL_AFTER = re.compile(r"도|\s*(?:정부\s*)?(?:예산|본예산|국비|사업비)")


@dataclass(frozen=True)
class EventDate:
    value: date
    text: str
    precision: str
    end: int


def shift_month(y: int, m: int, delta: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + delta
    return k // 12, k % 12 + 1


def resolve_date(m: re.Match[str], published: date | None) -> tuple[date, str] | None:
    rel, y, half, direction = m["rel"], m["y"], m["half"], m["dir"]
    month = int(m["m"]) if m["m"] else None
    day = int(m["d"]) if m["d"] else None
    if rel:
        rel = rel.replace(" ", "")
    if not (rel or y or month or day or half):
        return None
    year: int | None = int(y) if y else None
    pub = published
    if rel in ("전날", "이날", "어제"):
        if pub is None or year or month or day:
            return None
        return (pub - timedelta(days=0 if rel == "이날" else 1)), "day"
    if rel in ("지난달", "이달", "이번달", "다음달"):
        if pub is None:
            return None
        yy, mm = shift_month(pub.year, pub.month, {"지난달": -1, "다음달": 1}.get(rel, 0))
        if day:
            try:
                return date(yy, mm, day), "day"
            except ValueError:
                return None
        return date(yy, mm, 1), "month"
    if rel:
        if pub is None:
            return None
        year = pub.year + {"지난해": -1, "작년": -1, "내년": 1, "내후년": 2}.get(rel, 0)
    if year is None:
        if half or pub is None:
            return None
        year = pub.year
        if month is None:
            if day is None:
                return None
            month = pub.month
            cand = date(year, month, min(day, 28))
            if direction == "오는" and day < pub.day:
                year, month = shift_month(year, month, 1)
            elif direction != "오는" and cand > pub and day > pub.day:
                year, month = shift_month(year, month, -1)
        elif direction == "지난" and month > pub.month:
            year -= 1
        elif direction == "오는" and month < pub.month:
            year += 1
    if half in ("상반기", "하반기") and month is None:
        return date(year, 1 if half == "상반기" else 7, 1), "half"
    if half == "말" and month is None:
        return date(year, 12, 1), "month"
    if half == "초" and month is None:
        return date(year, 1, 1), "month"
    if month is None:
        return date(year, 1, 1), "year"
    if day is None:
        return date(year, month, 1), "month"
    try:
        return date(year, month, day), "day"
    except ValueError:
        return None


def event_date(sentence: str, before: int, published: date | None) -> EventDate | None:
    """The date expression nearest before position ``before`` of ``sentence``."""
    lo = max(0, before - 200)
    best: EventDate | None = None
    for m in DATE_PATTERN.finditer(sentence, lo, before):
        if m.end() == m.start() or not m.group().strip():
            continue
        if FISCAL_AFTER.match(sentence, m.end()):
            continue  # "내년 예산", "2026년 정부예산": a fiscal year, not the event's date
        r = resolve_date(m, published)
        if r:
            best = EventDate(r[0], m.group().strip(), r[1], m.end())
    return best


def is_future(d: EventDate, published: date | None) -> bool:
    if published is None:
        return False
    if d.precision == "year":
        return d.value.year > published.year
    if d.precision == "half":
        return d.value > published
    if d.precision == "month":
        return (d.value.year, d.value.month) > (published.year, published.month)
    return d.value > published
