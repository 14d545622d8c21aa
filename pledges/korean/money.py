"""Korean money amounts (조/억/만 원) → exact integer KRW, with funder, stage and budget flag.

Written forms read: "2조원", "4269억원", "9000억 원", "1조2000억원", "3조 5천억 원", "1조 2천억",
"2조5000억", "4천116억원" (= 4116억: a 천 inside the 억 coefficient), "3천30억원", "2천5백억", "3,045억 원",
"5천만원", "1억2천만원", "1.5조원", "4000억여원", "4000여억원", "5000원", amounts broken by PDF
line ends ("850억\\n\\n원"), and English articles' "600 billion won", "KRW 600 billion",
"₩1.2 trillion". Headline style without 원 ("1634억 AI 예산", "9,831억·고용") counts when the
largest unit is 억 or 조 and no counter or foreign currency follows ("100억 달러", "1억 명" do not).
A unit-less breakdown right after an amount ("1,749억 원(국비 1,113, 시비 589, 기타 47)") is read as
parts in the amount's last unit, each with the funder named beside it.

Not money: counts and measures ("5만 개", "2000장", "72만 대", "4만7246㎡", "166종", "788건").

Funder, stage and the budget flag come from the amount's sentence: see ``money_context``.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .money_context import Context, funder_word, read_context
from .normalize import is_column_layout

__all__ = [
    "Amount",
    "article_text",
    "extract_amounts",
    "extract_article_amounts",
    "format_krw",
    "parse_amount",
]


@dataclass(frozen=True)
class Amount:
    text: str  # as written in the input (may contain spaces/line breaks)
    krw: int
    sentence: str
    funder: str | None  # BudgetFigure funder vocabulary, or None
    stage: str | None  # BudgetStage vocabulary, or None
    start: int  # offsets into the text given to extract_amounts
    end: int
    budget: bool = True  # False: economic effect, market/fund size, revenue, a company's own cost

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "krw": self.krw,
            "sentence": self.sentence,
            "funder": self.funder,
            "stage": self.stage,
            "budget": self.budget,
            "start": self.start,
            "end": self.end,
        }


_BIG = {"조": 10**12, "억": 10**8, "만": 10**4}
_SMALL = {"천": 1000, "백": 100, "십": 10}
_ENGLISH_SCALE = {
    "trillion": 10**12,
    "tn": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "million": 10**6,
    "mn": 10**6,
}

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WS = r"\s*"  # spaces and PDF line breaks ("850억\n\n원")
# The coefficient of one big unit: "4269", "5천", "4천116", "2천5백", "3,045".
_COEF = rf"{_NUM}(?:\s?[천백십](?:\s?\d+\s?[백십])?(?:\s?\d+)?)?"
_GROUP = rf"{_COEF}\s?(?:여\s?)?[조억만]"
# 원 ends the amount unless it starts another word ("2원전", "3원칙"): particles may follow.
_WON = r"원(?![가-힣])|원(?=[을이은는의에으과와도만씩까부대가선어짜인며로])"
_KOREAN = (
    rf"(?<![\d.,])(?P<groups>{_GROUP}(?:{_WS}{_GROUP})*)"
    rf"(?P<tail>{_WS}{_NUM}(?={_WS}(?:{_WON})))?"
    rf"(?P<won>{_WS}(?:여{_WS})?(?:{_WON}))?"
    rf"|(?<![\d.,])(?P<plain>{_COEF}){_WS}(?:{_WON})"
)
_SCALE = r"(?:trillion|billion|million|tn|bn|mn)\b"
_ENGLISH = (
    rf"(?:\bKRW|₩|￦)\s?(?P<e1>{_NUM})(?:\s?(?P<s1>{_SCALE}))?"
    rf"|(?<![\w.,])(?P<e2>{_NUM})\s?(?P<s2>{_SCALE})\s+(?:Korean\s+)?[Ww]on\b"
    rf"|(?<![\w.,])(?P<e3>\d{{1,3}}(?:,\d{{3}})+)\s+[Ww]on\b"
)
_AMOUNT = re.compile(rf"{_KOREAN}|{_ENGLISH}")
_GROUP_RE = re.compile(rf"({_COEF})\s?(?:여\s?)?([조억만])")
_COEF_PART = re.compile(rf"({_NUM})\s?([천백십]?)")
# After a bare 억/조 amount (no 원): words that make it a count or a foreign currency.
_NOT_KRW_AFTER = re.compile(
    r"\s*(?:달러|유로|엔|위안|파운드|명|개|건|대|장|톤|배|회|마리|가구|채|주|곳|평|㎡|㎞|"
    r"USD|EUR|JPY|CNY|GBP|[%$€¥£])"
)


def _number(s: str) -> Decimal:
    return Decimal(re.sub(r"[,\s]", "", s))


def _coefficient(written: str) -> Decimal:
    """ "4천116" → 4116, "2천5백" → 2500, "3,045" → 3045, "1.5" → 1.5."""
    value = Decimal(0)
    for num, small in _COEF_PART.findall(written):
        value += _number(num) * _SMALL.get(small, 1)
    return value


def _groups(written: str) -> list[tuple[int, int, int]]:
    """(start, end, unit) of each 조/억/만 group in a matched "groups" string."""
    return [(g.start(), g.end(), _BIG[g.group(2)]) for g in _GROUP_RE.finditer(written)]


def _value(m: re.Match[str]) -> int | None:
    try:
        if m.group("plain") is not None:
            value = _coefficient(m.group("plain"))
        elif m.group("groups") is not None:
            value = Decimal(0)
            for g in _GROUP_RE.finditer(m.group("groups")):
                value += _coefficient(g.group(1)) * _BIG[g.group(2)]
            if m.group("tail"):
                value += _number(m.group("tail"))
        else:
            number = m.group("e1") or m.group("e2") or m.group("e3")
            scale = (m.group("s1") or m.group("s2") or "").lower()
            value = _number(number) * _ENGLISH_SCALE.get(scale, 1)
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


def _last_unit(m: re.Match[str]) -> int:
    """The smallest unit written in the amount: the unit a bare breakdown after it is in."""
    if m.group("groups") is not None:
        if m.group("tail"):
            return 1
        return _groups(m.group("groups"))[-1][2]
    if m.group("plain") is not None:
        return 1
    return _ENGLISH_SCALE.get((m.group("s1") or m.group("s2") or "").lower(), 1)


def _matches(text: str):
    """Amount matches in order. Groups must descend (조 > 억 > 만): "300억 5000억" is two amounts,
    so a match is cut where a unit stops descending and the scan resumes there."""
    pos = 0
    while True:
        m = _AMOUNT.search(text, pos)
        if m is None:
            return
        if m.group("groups") is not None:
            groups = _groups(m.group("groups"))
            cut = next((i for i in range(1, len(groups)) if groups[i][2] >= groups[i - 1][2]), None)
            if cut is not None:
                prefix = _AMOUNT.match(text, m.start(), m.start("groups") + groups[cut - 1][1])
                if prefix is None:  # a prefix of descending groups is itself an amount
                    pos = m.start() + 1
                    continue
                m = prefix
        yield m
        pos = m.end()


def parse_amount(written: str) -> int | None:
    """Integer KRW of a written amount such as "1조2000억원" or "3,045억 원"; None if not one."""
    m = _AMOUNT.fullmatch(written.strip())
    if not m:
        return None
    if m.group("groups") is not None:
        units = [u for _, _, u in _groups(m.group("groups"))]
        if any(b >= a for a, b in itertools.pairwise(units)):
            return None
    return _value(m)


_SENT_END = re.compile(r"[.?!。](?=\s|$|[가-힣\"'“‘])|\n")
# PDF column text: a line end is not a sentence end (words are split across lines).
_SENT_END_COLUMNS = re.compile(r"[.?!。](?=\s|$|[가-힣\"'“‘])")


class _Sentences:
    """Sentence ends of one text, found once, so each amount's sentence is a binary search
    (a scan per amount made long texts with many amounts quadratic)."""

    def __init__(self, text: str, columns: bool) -> None:
        pattern = _SENT_END_COLUMNS if columns else _SENT_END
        self.length = len(text)
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in pattern.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        before = bisect.bisect_right(self.ends, start) - 1
        left = self.ends[before] if before >= 0 else 0
        after = bisect.bisect_left(self.starts, end)
        right = self.ends[after] if after < len(self.ends) else self.length
        return left, right


# A unit-less breakdown item: "국비 1,113", "시비: 589", "기타 47" (a label, then a bare number).
_BREAKDOWN_ITEM = re.compile(rf"\s*([가-힣]{{1,8}})\s*:?\s*({_NUM})\s*")
# Items are split at "," (not a thousands comma: "1,113"), "·", "/" and ";".
_BREAKDOWN_SPLIT = re.compile(r",(?!\d{3}(?!\d))|[·/;]")


def _breakdown(
    text: str, m: re.Match[str], krw: int, right: int
) -> list[tuple[int, int, int, str | None]]:
    """Parts written without a unit in the parentheses right after an amount:
    (start, end, krw, funder) each. Every item must be "label number"; two items at least."""
    i = m.end()
    while i < right and text[i] in " \t":
        i += 1
    if i >= right or text[i] != "(":
        return []
    close = text.find(")", i, min(right, i + 160))
    if close == -1 or "(" in text[i + 1 : close]:
        return []
    unit = _last_unit(m)
    parts = []
    bounds = [i] + [sep.start() for sep in _BREAKDOWN_SPLIT.finditer(text, i + 1, close)]
    for a, b in zip(bounds, [*bounds[1:], close], strict=True):
        im = _BREAKDOWN_ITEM.fullmatch(text, a + 1, b)
        if im is None:
            return []
        try:
            value = _number(im.group(2)) * unit
        except InvalidOperation:
            return []
        if value != value.to_integral_value() or not 0 < value < krw:
            return []
        parts.append((im.start(2), im.end(2), int(value), funder_word(im.group(1))))
    return parts if len(parts) >= 2 else []


def _is_amount(text: str, m: re.Match[str]) -> bool:
    if m.group("groups") is not None and m.group("won") is None:
        units = _groups(m.group("groups"))
        if not units or units[0][2] == _BIG["만"]:
            return False  # "5만 개", "72만 대": 만 without 원 is a count
        if _NOT_KRW_AFTER.match(text, m.end()):
            return False
    return True


def extract_amounts(text: str) -> list[Amount]:
    """All KRW amounts in ``text`` in order, offsets into ``text`` itself.

    Works on raw PDF text too: line breaks inside an amount ("850억\\n\\n원") are allowed.
    """
    if not text:
        return []
    columns = is_column_layout(text)
    sentences = _Sentences(text, columns)
    found: list[tuple[int, int, int, tuple[int, int] | None, str | None]] = []
    for m in _matches(text):
        if not _is_amount(text, m):
            continue
        krw = _value(m)
        if krw is None or krw <= 0:
            continue
        found.append((m.start(), m.end(), krw, None, None))
        _, right = sentences.bounds(m.start(), m.end())
        for start, end, part_krw, funder in _breakdown(text, m, krw, right):
            found.append((start, end, part_krw, (m.start(), m.end()), funder))

    out: list[Amount] = []
    context = Context(text)
    by_span: dict[tuple[int, int], Amount] = {}
    for start, end, krw, parent_span, part_funder in found:
        left, right = sentences.bounds(start, end)
        sentence = text[left:right]
        if columns:
            sentence = re.sub(r"\s*\n\s*", "", sentence)
        sentence = " ".join(sentence.split())
        if parent_span is not None and parent_span in by_span:
            parent = by_span[parent_span]
            funder = part_funder
            if funder is None and parent.funder not in (None, "total"):
                funder = parent.funder
            amount = Amount(
                text=text[start:end],
                krw=krw,
                sentence=sentence,
                funder=funder if parent.budget else None,
                stage=parent.stage,
                start=start,
                end=end,
                budget=parent.budget,
            )
        else:
            reading = read_context(context, start, end, left, right, krw)
            amount = Amount(
                text=text[start:end],
                krw=krw,
                sentence=sentence,
                funder=reading.funder,
                stage=reading.stage,
                start=start,
                end=end,
                budget=reading.budget,
            )
        by_span[(start, end)] = amount
        out.append(amount)
    return out


def article_text(title: str, text: str) -> str:
    """The text to read for an article: the title once, then the body. A title repeated as the
    body's first line (as pages and eval-dev store it) is not read twice."""
    title = " ".join((title or "").split())
    if not title:
        return text or ""
    first_line = next((line for line in (text or "").splitlines() if line.strip()), "")
    if " ".join(first_line.split()) == title:
        return text
    return f"{title}\n{text or ''}"


def extract_article_amounts(title: str, text: str) -> list[Amount]:
    """Amounts of a whole article (title and body); offsets into ``article_text(title, text)``."""
    return extract_amounts(article_text(title, text))


def format_krw(krw: int) -> str:
    """Korean reading of an amount: 456900000000 → "4569억원", 2500000000000 → "2조5000억원"."""
    if krw == 0:
        return "0원"
    parts = []
    rest = abs(krw)
    for unit, size in (("조", 10**12), ("억", 10**8), ("만", 10**4)):
        q, rest = divmod(rest, size)
        if q:
            parts.append(f"{q}{unit}")
    if rest:
        parts.append(str(rest))
    return ("-" if krw < 0 else "") + "".join(parts) + "원"
