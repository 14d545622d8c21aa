"""Korean money amounts (조/억/만 원) → exact integer KRW, with funder and stage.

Written forms handled: "2조원", "4269억원", "9000억 원", "1조2000억원", "3조 5천억 원", "100조 원",
"957억원(국비)", "3,045억 원", "5천만원", "300만 원", "1억2천만원", "1.5조원", "4000억여원",
"5000원", and amounts broken by PDF line ends ("850억\\n\\n원"). Headline style without 원
("1634억 AI 예산", "9,831억·고용") counts when the largest unit is 억 or 조 and no counter or
foreign currency follows (so "100억 달러" and "1억 명" do not).

Not money: counts and measures ("5만 개", "2000장", "72만 대", "4만7246㎡", "166종", "788건"): a
number is an amount only with 원, or with 억/조 as above.

Funder (the word just before the amount, or in parentheses right after it):
국비/국고/정부 예산 → "national"; 시비/광역시비/도비 → "metropolitan"; 구비/군비 → "district";
지방비/지방 → "local" (unspecified); 민간/민자 → "private"; otherwise None (e.g. 총 … = a total).
These are the values of the BudgetFigure funder vocabulary.

Stage (words in the same clause, after the amount first, then before it; negated verbs such as
"확보되지 않고" give None):
요구/신청/건의하다/요청 → "requested"; 확보/반영/편성/확정/따냈 → "secured";
집행/투입했/투입해/지출/사용했 → "executed"; 계획/총사업비/사업비/예정/목표/규모/추진/준비/…하겠다 → "planned".
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .normalize import is_column_layout

__all__ = ["Amount", "extract_amounts", "format_krw", "parse_amount"]


@dataclass(frozen=True)
class Amount:
    text: str  # as written in the input (may contain spaces/line breaks)
    krw: int
    sentence: str
    funder: str | None
    stage: str | None
    start: int  # offsets into the text given to extract_amounts
    end: int

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "krw": self.krw,
            "sentence": self.sentence,
            "funder": self.funder,
            "stage": self.stage,
            "start": self.start,
            "end": self.end,
        }


_BIG = {"조": 10**12, "억": 10**8, "만": 10**4}
_SMALL = {"천": 1000, "백": 100, "십": 10}

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WS = r"\s*"  # spaces and PDF line breaks ("850억\n\n원")
_GROUP = rf"{_NUM}\s?[천백십]?\s?[조억만]"
_AMOUNT = re.compile(
    rf"(?<![\d.,])(?P<groups>{_GROUP}(?:{_WS}{_GROUP})*)"
    rf"(?P<tail>{_WS}{_NUM}(?={_WS}원))?"
    rf"(?P<won>{_WS}(?:여{_WS})?원)?"
    rf"|(?<![\d.,])(?P<plain>{_NUM}){_WS}원"
)
_GROUP_RE = re.compile(rf"({_NUM})\s?([천백십]?)\s?([조억만])")
# After a bare 억/조 amount (no 원): words that make it a count or a foreign currency.
_NOT_KRW_AFTER = re.compile(
    r"\s*(?:달러|유로|엔|위안|파운드|명|개|건|대|장|톤|배|회|마리|가구|채|주|곳|평|㎡|㎞|"
    r"USD|EUR|JPY|CNY|GBP|[%$€¥£])"
)


def parse_amount(written: str) -> int | None:
    """Integer KRW of a written amount such as "1조2000억원" or "3,045억 원"; None if not one."""
    m = _AMOUNT.fullmatch(written.strip())
    if not m:
        return None
    return _value(m)


def _number(s: str) -> Decimal:
    return Decimal(s.replace(",", ""))


def _value(m: re.Match[str]) -> int | None:
    try:
        if m.group("plain") is not None:
            value = _number(m.group("plain"))
        else:
            value = Decimal(0)
            last = None
            for num, small, big in _GROUP_RE.findall(m.group("groups")):
                unit = _BIG[big]
                if last is not None and unit >= last:
                    return None  # "300억 5000억" is two amounts, not one
                last = unit
                value += _number(num) * _SMALL.get(small, 1) * unit
            if m.group("tail"):
                value += _number(m.group("tail"))
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


_SENT_END = re.compile(r"[.?!。](?=\s|$|[가-힣\"'“‘])|\n")
# PDF column text: a line end is not a sentence end (words are split across lines).
_SENT_END_COLUMNS = re.compile(r"[.?!。](?=\s|$|[가-힣\"'“‘])")

_FUNDERS = (
    ("national", ("국비", "국고", "정부예산", "정부 예산")),
    ("metropolitan", ("광역시비", "시비", "도비")),
    ("district", ("구비", "군비")),
    ("local", ("지방비", "지방")),
    ("private", ("민간", "민자")),
)
_STAGES = (
    ("requested", ("요구", "신청", "건의하", "건의했", "건의해", "요청")),
    ("secured", ("확보", "반영", "편성", "확정", "따냈", "따내")),
    ("executed", ("집행", "투입했", "투입해", "투입된", "지출", "사용했", "쏟아부")),
    (
        "planned",
        (
            "총사업비",
            "사업비",
            "계획",
            "예정",
            "목표",
            "규모",
            "추진",
            "투입될",
            "투자될",
            "준비",
            "하겠",
        ),
    ),
)
_NEGATION = re.compile(r"^[가-힣]{0,3}?(?:지않|지못|못|안되|되지|지연|무산|불발|실패)")


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


def _enclosing_paren(text: str, start: int, end: int, left: int, right: int) -> tuple[int, int]:
    """If the amount is inside (...), the span of the parentheses; else the amount's span."""
    open_at = text.rfind("(", left, start)
    if open_at != -1 and text.find(")", open_at, start) == -1:
        close_at = text.find(")", end, right)
        if close_at != -1:
            return open_at, close_at + 1
    return start, end


def _funder(text: str, start: int, end: int, left: int, right: int) -> str | None:
    before = re.sub(r"\s+", "", text[max(left, start - 8) : start])
    before = before.rstrip("(:·=")
    after = re.sub(r"\s+", "", text[end : min(right, end + 8)])
    paren_after = re.match(r"^\(([^()]{1,8})\)", after)
    for funder, words in _FUNDERS:
        for w in words:
            w = w.replace(" ", "")
            if before.endswith(w) or re.search(rf"{w}[가-힣]?$", before):
                return funder
            if paren_after and paren_after.group(1).startswith(w):
                return funder
    return None


def _stage(text: str, start: int, end: int, left: int, right: int) -> str | None:
    span_start, span_end = _enclosing_paren(text, start, end, left, right)
    # Clause after the amount: up to a comma or the sentence end.
    after = text[span_end:right]
    if after.startswith("("):  # "4269억원(국비 …)을 투입해": look past the breakdown
        close_at = after.find(")")
        after = after[close_at + 1 :] if close_at != -1 else after
    cut = re.search(r"[,，]|\s(?:하지만|그러나)\s", after)
    after = after[: cut.start()] if cut else after
    after = after[:30]
    before = text[max(left, span_start - 20) : span_start]
    cut = before.rfind(",")
    before = before[cut + 1 :] if cut != -1 else before
    for window in (after, before):
        found: tuple[int, str, str] | None = None
        for stage, words in _STAGES:
            for w in words:
                i = window.find(w)
                if i != -1 and (found is None or i < found[0]):
                    found = (i, stage, w)
        if found is not None:
            i, stage, w = found
            rest = re.sub(r"\s+", "", window[i + len(w) :])
            rest = rest[1:] if rest[:1] in ("가", "이", "는", "도") else rest
            if _NEGATION.match(rest):
                return None
            # "투자될 예정" / "투입할 계획": a plan, whatever verb comes first.
            if stage != "planned" and re.search(r"예정|계획|목표", window[i:]):
                return "planned"
            return stage
    return None


def extract_amounts(text: str) -> list[Amount]:
    """All KRW amounts in ``text`` in order, offsets into ``text`` itself.

    Works on raw PDF text too: line breaks inside an amount ("850억\\n\\n원") are allowed.
    """
    out: list[Amount] = []
    if not text:
        return out
    columns = is_column_layout(text)
    sentences = _Sentences(text, columns)
    for m in _AMOUNT.finditer(text):
        if m.group("plain") is None and m.group("won") is None:
            units = _GROUP_RE.findall(m.group("groups"))
            if not units or units[0][2] not in ("억", "조"):
                continue  # "5만 개", "72만 대"
            if _NOT_KRW_AFTER.match(text, m.end()):
                continue
        krw = _value(m)
        if krw is None or krw <= 0:
            continue
        start, end = m.start(), m.end()
        left, right = sentences.bounds(start, end)
        sentence = text[left:right]
        if columns:
            sentence = re.sub(r"\s*\n\s*", "", sentence)
        out.append(
            Amount(
                text=text[start:end],
                krw=krw,
                sentence=" ".join(sentence.split()),
                funder=_funder(text, start, end, left, right),
                stage=_stage(text, start, end, left, right),
                start=start,
                end=end,
            )
        )
    return out


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
