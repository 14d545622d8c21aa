"""Who pays an amount: the funder of a Korean budget figure, read from its clause.

Funder (BudgetFigure vocabulary): national (국비/국고/정부) · metropolitan (시비/도비) · district
(구비/군비) · local (지방비) · private (민간/민자) · other (a fund) · total · None. The rules, in
the order they are tried (Korean grammar, not sentences):
- the funder named beside the amount in its clause or parenthesis: "국비 300억, 시비 200억",
  "시비 매칭 80억원", "민간자본 700억원", "지방비(도비·시군비) 210억원", "957억원(국비)",
  "300억원 전액을 국비로", "국비 지원 규모는 300억원"; two payers joined ("국비와 시비 340억원",
  "국비 등 340억원") are their sum: total;
- the payer named as the subject after it ("나머지 140억원은 광주시가 부담한다");
- grants per project ("과제당", "과제별", "선정되면 최대 20억원을 지원받는다"): None;
- items of a larger amount (breakdown parentheses; "가운데/이 중/주요 사업으로는"; "연구동에
  300억원", "건축비 300억원" after a whole; itemised "▲" lines; items before "등 총 500억원") take
  the whole's funder when it is one payer, else None;
- totals: 총, 총사업비, 규모, 민관, 합쳐 → total;
- the budget it is put into ("정부 예산안에", "광주시 본예산에") and the clause's subject
  ("정부는 … 지원한다", "시는 자체 예산 …", "성장펀드는 … 투자한다");
- else a whole project's or year's cost: total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BUDGET_STAGES",
    "DEFAULT_TOTAL",
    "Context",
    "Reading",
    "budget_item_parent",
    "funder",
    "funder_word",
    "is_item",
    "parent",
]


@dataclass(frozen=True)
class Reading:
    funder: str | None
    stage: str | None
    budget: bool


_NATIONAL_BODY = (
    r"정부|국가|과기정통부|과학기술정보통신부|산업부|산업통상자원부|국토부|국토교통부|기재부|"
    r"기획재정부|행안부|행정안전부|중기부|중소벤처기업부|교육부|문체부|문화체육관광부|복지부|"
    r"보건복지부|환경부|해수부|해양수산부|농식품부|농림축산식품부|고용부|고용노동부|국방부"
)
_MINISTRY = _NATIONAL_BODY.removeprefix("정부|국가|")
_FUNDER_WORDS = (
    ("national", rf"국비|국고|정부|국가\s?예산|국가\s?재정|{_MINISTRY}"),
    ("metropolitan", r"광역시비|시비|도비|시\s?예산|도\s?예산|시\s?자체\s?예산|시\s?매칭"),
    ("district", r"구비|군비|구\s?예산|군\s?예산"),
    ("local", r"지방비|지방|지자체\s?예산"),
    ("private", r"민간|민자|사업자\s?부담"),
    ("other", r"기타|펀드|기금"),
)
# What may stand between a funder and its amount: "국비 예산", "시비 매칭", "국비 지원 규모는".
_FUNDER_NOUN = (
    r"(?:예산|재원|지원금?|출연금|사업비|투자금?|분|부담금?|몫|자본|자금|매칭금?|대응\s?(?:투자|자금|예산)|"
    r"보조금|분담금|확보|투입|반영|편성|배정|규모|금액|총액|확보액|지원액|투입액)"
)
_FUNDER_AT = [(f, re.compile(rf"^(?:{w})")) for f, w in _FUNDER_WORDS]
# A funder word ending the text before an amount, with what may stand between: "국비예산 626억원",
# "국비로 100억원", "정부 지원 50억원", "국비(957억원)".
_FUNDER_BEFORE = [
    (
        f,
        re.compile(
            rf"(?:{w})(?:\s?{_FUNDER_NOUN}){{0,2}}\s?"
            r"(?:\d+(?:\.\d+)?\s?%\s?(?:인|에\s?해당하는|수준인)?|절반인?)?\s?"
            r"(?:은|는|이|가|도|로|으로|만|에서|로부터|으로부터)?\s?(?:약|최대|총|모두|각각)?\s?[(:·=]?\s*$"
        ),
    )
    for f, w in _FUNDER_WORDS
]
# "3000억원은 국비로", "957억원(국비)" — the funder right after the amount.
_FUNDER_AFTER = [
    (
        f,
        re.compile(
            rf"^\s*(?:\(\s?(?:전액\s?)?(?:{w})\s?(?:부담|지원|100\s?%|전액)?\s?\)"
            rf"|(?:은|는|이|가|을|를|의)\s?(?:모두\s?|전액\s?)?(?:{w})(?![가-힣]{{2}})"
            rf"|\s?(?:전액|모두|전부)(?:을|를|이|은)?\s?(?:{w})(?![가-힣]{{2}})"
            rf"|\s?(?:이상|가량|여)?\s?(?:규모|상당)의\s?(?:{w})(?![가-힣]{{2}}))"
        ),
    )
    for f, w in _FUNDER_WORDS
    if f != "other"
]
_PER_UNIT = re.compile(r"[가-힣\d](?:당|별|마다)\s?(?:최대|최고|약|연간|연|평균|각)?\s*$|각각\s*$")
_GRANT_CAP = re.compile(r"(?:최대|최고|한도)\s?(?:약\s?)?$")
_GRANT_AFTER = re.compile(r"^\s*(?:을|를|씩|까지|이|가)?\s?(?:지원|받|주어|교부)")
_SELECTION = re.compile(r"선정|공모|뽑히|뽑힌|채택")
_TOTAL_BEFORE = re.compile(
    r"(?:총|전체|모두|합계|합쳐|합해|합친|합한|더한|사업비|총액|규모)(?:는|은|가|이|로|만)?\s?"
    r"(?:약|최대|총)?\s*$"
)
_TOTAL_AFTER = re.compile(r"^\s*(?:이상|가량|여|안팎|내외)?의?\s*(?:규모|총?사업비)")
_TOTAL_SENTENCE = re.compile(
    r"민관|정부와\s?민간|민간과\s?정부|국비와\s?(?:시비|지방비)|합쳐|합하면"
)
_PART_BETWEEN = re.compile(r"가운데|이\s?중|그\s?중|중에?서?\s|에는|으로는|포함|내역|세부")
# A sentence that lists the parts of the amount before: "이 중 …", "특히 이 가운데 …",
# "주요 사업으로는 …", "세부적으로는 …", "분야별로는 …".
# "나머지 320억원": the rest of an amount just read.
_REST = re.compile(r"(?:나머지|잔여|잔액)\s?(?:금액|예산|사업비)?\s?(?:인|은|는)?\s?(?:약\s?)?$")
_PART_START = re.compile(
    r"^\s*(?:[가-힣]{1,4}\s)?(?:(?:이|그)\s?(?:중|가운데)|주요\s?(?:사업|내용|내역|항목)|"
    r"세부\s?(?:적으로|내역|사업)|구체적으로|(?:분야|사업|항목|부문)별로)"
)
_CHANGE_BETWEEN = re.compile(r"^\s*(?:에서|보다|→|~|-|∼|부터)")


def funder_word(label: str) -> str | None:
    """Funder of a breakdown label such as "국비", "시비", "기타"; None if it names none."""
    label = label.strip()
    for funder, pattern in _FUNDER_AT:
        if pattern.match(label):
            return funder
    return None


class Context:
    """One text and the amounts read so far in it (a later amount may be a part of an earlier)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.read: list[tuple[int, int, int, Reading]] = []


class _DefaultTotal(str):
    """ "total" because nothing else was said (not a cue): an item of a year's budget may
    still turn out to be a part of it."""


DEFAULT_TOTAL = _DefaultTotal("total")
BUDGET_STAGES = ("secured", "government_proposal", "allocated")


def budget_item_parent(ctx: Context, krw: int) -> Reading | None:
    """An earlier, larger whole budget of the text (a year's budget secured or proposed) that an
    amount with no cue of its own is an item of, whatever its verb ("…예산 3조원 확정. AI 분야
    100억원 반영", "… AI 인재 양성 50억원이 투입된다": items of a secured budget are planned by
    their verb but are still its parts)."""
    for _, _, p_krw, reading in ctx.read:
        if (
            reading.budget
            and p_krw > krw
            and reading.stage in BUDGET_STAGES
            and reading.funder is not None
        ):
            return reading
    return None


# A parenthesised gloss ending the text before an amount: "지방비(도비·시군비) ".
_TRAILING_GLOSS = re.compile(r"\([^()]{1,20}\)\s*$")
_ANY_FUNDER = "|".join(w for f, w in _FUNDER_WORDS if f != "other")
# Two payers joined before one amount, or a payer list closed by 등: the amount is their sum.
_JOINED_FUNDERS = re.compile(
    rf"(?:{_ANY_FUNDER})\s?(?:와|과|및|·|,|또는)\s?(?:{_ANY_FUNDER})\s?"
    r"(?:를|을|이|가|은|는)?\s?(?:합친|합한|함께|같이|공동으로)?\s*$"
    rf"|(?:{_ANY_FUNDER})\s?(?:예산\s?)?등\s?(?:총|모두)?\s*$"
)
# A total that follows the items it sums, in the same sentence: "…200억원 등 총 500억원",
# "…80억원을 합친 200억원".
_TOTAL_LATER = re.compile(
    r"[^.]{0,40}?(?:등|포함해|포함한|(?:을|를)\s?(?:합친|합한|더한|포함한|포함해)|합쳐|합하면)\s?"
    r"(?:총|모두|약|전체)?\s?\d[\d,.천백십\s]{0,8}[조억만]"
)
_AMOUNT_LIST_END = re.compile(r"[억조만]\s?원?\s?(?:등|을\s?포함해|포함)\s?(?:총|모두)?\s*$")
# Who a subject or an agent is: the government and its ministries; a city or province; a
# district or county. (Nouns that merely end in 시/도/구/군 are not governments.)
# Nouns ending in 시/도/구/군 that are not governments.
_NOT_GOVERNMENT = (
    r"도시|당시|표시|동시|수시|임시|게시|지시|제시|개시|역시|감시|전시|즉시|혹시|다시|잠시|무시|응시|"
    r"명시|고시|시도|제도|정도|속도|각도|지도|용도|한도|의도|가도|태도|강도|밀도|온도|난도|빈도|척도|"
    r"궤도|반도|복도|보도|인도|주도|열도|수도|고도|진도|농도|전도|시군도|연구|요구|기구|도구|추구|"
    r"탐구|인구|가구|지구|항구|입구|출구|친구|야구|축구|농구|배구|전구|공군|해군|육군|국군|미군|장군"
)
_GOVERNMENT = (
    rf"(?P<body>{_NATIONAL_BODY}|(?<![가-힣])[가-힣]{{0,4}}(?:특별자치시|광역시|특별시|시청|시|도청|도|"
    r"구청|구|군청|군))"
)
# The budget an amount is put into names its payer: "정부 예산안에 297억원", "광주시 본예산에",
# "30억원이 내년도 정부 예산안에 담겼다".
_CONTAINER_CORE = (
    rf"{_GOVERNMENT}\s?(?:의\s)?(?:본|올해\s?|내년\s?)?"
    r"(?:예산안?|추경안?|추가경정예산안?|재정)(?:에|에서|으로|에는|에도|안에)(?![가-힣])"
)
_CONTAINER = re.compile(_CONTAINER_CORE)
_CONTAINER_AFTER = re.compile(rf"[^.,]{{0,24}}?(?<![가-힣]){_CONTAINER_CORE}")
_FUND_SOURCE = re.compile(r"(?:펀드|기금)(?:는|가|은|이|에서|로부터|을\s?통해|를\s?통해)\s")
_SUBJECT = re.compile(rf"{_GOVERNMENT}(?:는|은|가|이|에서)\s")
_PAYER_AFTER = re.compile(
    rf"\s*(?:은|는|을|를)\s?(?:{_GOVERNMENT})(?:가|이|에서|도)\s?(?:전액\s?|모두\s?|자체\s?)?"
    r"(?:부담|지원|출연|충당|마련|매칭|투입|분담|책임)"
)
_OWN_BUDGET = re.compile(r"자체\s?(?:예산|재원|사업비)|예산|재정")
_SPENDING_VERB = re.compile(r"^\s*(?:을|를|이|가)?\s?(?:투입|투자)")
_PAYING_VERB = re.compile(r"^\s*(?:을|를|이|가)?\s?(?:지원|교부|배정|출연|편성|부담|분담|매칭)")


def _government_funder(body: str) -> str | None:
    """Funder of a government named as a subject: 정부/부처 national, 시/도 metropolitan, 구/군 district."""
    if re.fullmatch(_NATIONAL_BODY, body):
        return "national"
    if re.search(rf"(?:{_NOT_GOVERNMENT})$", body):
        return None
    if re.search(r"(?:시|도)(?:청)?$", body):
        return "metropolitan"
    return "district"


def _subject_funder(before: str, after: str) -> str | None:
    """The payer when the clause's subject is a government and the amount is its own budget
    ("정부는 … 예산", "시는 자체 예산 15억원을") or it pays the amount ("정부는 … 250억원을 지원한다")."""
    if _FUND_SOURCE.search(before):
        return "other"  # "성장펀드는 … 500억원을 투자한다"
    subject = None
    for m in _SUBJECT.finditer(before):
        subject = m
    if subject is None:
        return None
    rest = before[subject.end() :]
    body = subject.group("body")
    if _OWN_BUDGET.search(rest) or _PAYING_VERB.match(after):
        return _government_funder(body)
    if re.fullmatch(_NATIONAL_BODY, body) and _SPENDING_VERB.match(after):
        return "national"  # "정부는 … 1조원을 투입해": a ministry spends only the national budget
    return None


def funder(
    ctx: Context,
    start: int,
    end: int,
    krw: int,
    left: int,
    right: int,
    span: tuple[int, int],
    parent: tuple[int, int, int, Reading] | None,
    sentence: str,
) -> str | None:
    text = ctx.text
    floor = max(left, parent[1] if parent else left)
    # "지방비(도비·시군비) 210억원": the funder's own gloss in parentheses stands aside
    near = _TRAILING_GLOSS.sub(" ", text[max(floor, start - 40) : start])[-14:]
    if _JOINED_FUNDERS.search(near) or _AMOUNT_LIST_END.search(near):
        return "total"  # "국비와 시비 340억원", "국비 등 340억원", "…140억원 등 340억원"
    for funder, pattern in _FUNDER_BEFORE:
        if pattern.search(near):
            if funder == "national" and re.search(r"정부(?:와|및|과)\s?민간", sentence):
                return "total"
            if re.search(r"정부(?:는|가)\s*$", near) and _TOTAL_AFTER.match(
                text[span[1] : span[1] + 12]
            ):
                return "total"  # "정부는 1조원 규모의 …": the subject, not the payer
            return funder
    after = text[end : end + 12]
    for funder, pattern in _FUNDER_AFTER:
        if pattern.match(after):
            return funder
    payer = _PAYER_AFTER.match(text, end, min(len(text), end + 24))
    if payer is not None:  # "나머지 140억원은 광주시가 부담한다": the clause's subject pays
        return _government_funder(payer.group(1))
    if _PER_UNIT.search(near) or (
        _GRANT_CAP.search(near) and _GRANT_AFTER.match(after) and _SELECTION.search(sentence)
    ):
        return None  # "과제당 1억원", "선정되면 최대 20억원을 지원받는다": a grant per project
    if _TOTAL_LATER.match(text, end, right):
        return None  # "연구동 300억원, 장비 200억원 등 총 500억원": an item of the total after it
    if parent is not None:
        return parent[3].funder if parent[3].funder not in (None, "total") else None
    if _REST.search(near) and ctx.read and ctx.read[-1][2] > krw:
        whole = ctx.read[-1][3].funder
        return whole if whole not in (None, "total") else None
    if _PART_START.match(text[left:start]):
        # "이 중 AI 분야에 100억원": a part of the amount before (in the sentence before)
        if ctx.read and ctx.read[-1][2] > 0 and ctx.read[-1][3].funder not in (None, "total"):
            return ctx.read[-1][3].funder
        return None
    wide = text[max(floor, start - 30) : span[0]]
    if _TOTAL_BEFORE.search(near) or _TOTAL_AFTER.match(text[span[1] : span[1] + 12]):
        return "total"
    if _TOTAL_SENTENCE.search(wide):
        return "total"
    container = _CONTAINER.search(text[max(floor, start - 40) : start]) or _CONTAINER_AFTER.match(
        text, end, min(len(text), end + 40)
    )
    if container is not None:  # "정부 예산안에 297억원이", "30억원이 내년도 정부 예산안에 담겼다"
        return _government_funder(container.group("body")) or DEFAULT_TOTAL
    subject = _subject_funder(text[left:start], text[end : end + 16])
    if subject is not None:
        return subject  # "정부는 내년 AI 재정을 …", "시는 자체 예산 15억원을": the subject pays
    if re.search(r"국비|국고", wide):
        return "national"  # "국비 확보액은 626억원"
    if re.search(r"펀드|기금", wide):
        return "other"  # "국민성장펀드 투자 대상으로 뽑혀 최대 700억원을": a fund pays
    return DEFAULT_TOTAL


_BULLET = re.compile(r"\s*[▲△■□◆◇○●•◦\-–ㆍ]")
# "건축비 300억원", "장비비는 200억원": a cost item named by its own noun, not a payer.
_COST_ITEM = re.compile(r"([가-힣]{1,6}비)\s?(?:는|은|로|가)?\s*$")
_NOT_COST_ITEM = re.compile(r"(?:사업|국|시|도|구|군|지방|광역시|시군|자부담|예)비$")
_ITEM_TARGET = re.compile(r"(?:에|에는|에도|에만)\s*$")


def is_item(text: str, left: int, start: int) -> bool:
    """The amount is an item: "연구동에 300억원", "건축비 300억원"."""
    before = text[max(left, start - 10) : start]
    cost = _COST_ITEM.search(before)
    return bool(_ITEM_TARGET.search(before) or (cost and not _NOT_COST_ITEM.search(cost.group(1))))


def _bullet_parent(ctx: Context, left: int, krw: int) -> tuple[int, int, int, Reading] | None:
    """An itemised line ("▲데이터센터 운영 300억원") is a part of the larger amount of the lines
    just before it that are not items themselves."""
    text = ctx.text
    if not _BULLET.match(text, left):
        return None
    for prev in reversed(ctx.read):
        p_start, _, p_krw, reading = prev
        if p_start < left - 600:
            return None
        line = text.rfind("\n", 0, p_start) + 1
        if _BULLET.match(text, line) or not reading.budget:
            continue
        return prev if p_krw > krw else None
    return None


def parent(
    ctx: Context, start: int, left: int, krw: int, span: tuple[int, int]
) -> tuple[int, int, int, Reading] | None:
    """An earlier, larger amount of the same sentence that this one is a part of (or, for an
    itemised line, of the lines before it)."""
    text = ctx.text
    for prev in reversed(ctx.read):
        p_start, p_end, p_krw, _ = prev
        if p_start < left:
            break
        if p_krw <= krw:
            continue
        between = text[p_end : span[0]]
        if span[0] != start and span[0] - p_end <= 3:
            return prev  # inside the breakdown parentheses right after it
        if _CHANGE_BETWEEN.match(between):
            return None  # "33조원에서 10조원으로": a change, not a part
        if _PART_BETWEEN.search(between):
            return prev
        if (
            "," in between
            and re.search(r"에\s*$", text[max(left, start - 3) : start])
            and not is_item(text, left, p_start)  # "2단계에 6000억원, 3단계에 4000억원": siblings
        ):
            return prev  # "…, 'AX-Sprint 300'에 9000억원": an item of the amount before
        if is_item(text, left, start) and not is_item(text, left, p_start):
            return prev  # "총 500억원을 들여 연구동에 300억원", "500억원은 건축비 300억원과"
        # else an earlier amount of the sentence may still be the whole ("6000억원 가운데
        # 3000억원은 국비로, 1000억원은 …")
    return _bullet_parent(ctx, left, krw)
