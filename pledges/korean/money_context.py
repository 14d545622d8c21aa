"""What an amount's sentence says about it: funder, budget stage, and whether it is a budget figure.

Funder (BudgetFigure vocabulary): see ``money_funder`` (who pays, from the amount's clause).

Stage (BudgetStage vocabulary) from the governing verb after the amount, read by its ending:
the stem says what happens to the money (확보 secured, 요구 requested, 반영/편성 in a budget,
교부/배정 allocated, 투입/투자/집행 spent), the ending says when and how sure (했다/된 past,
할/한다/된다/되는/예정/계획 future, 해/하여 connective → the tense of a later verb or a time
adverb, 되도록/위해/에 나선다/해야 aspiration, 지 않/못 negation). Spent in the past is executed,
in the future planned; secured in the past is secured, as an aim requested; "확보되지 않았다" is
not secured (None unless a request is stated). 반영/편성 in the government's bill (정부안, 예산안,
추경안, 정부 예산) is government_proposal, after the National Assembly's vote secured.

Budget: economic effects (생산유발, 부가가치), market and fund sizes, revenue, salaries, private
investment and a private developer's project are not budget figures (funder and stage None).
"""

from __future__ import annotations

import re

from .money_funder import (
    DEFAULT_TOTAL,
    Context,
    Reading,
    budget_item_parent,
    funder_word,
)
from .money_funder import funder as _funder
from .money_funder import parent as _parent

__all__ = ["Context", "Reading", "funder_word", "read_context"]


# --- budget or not -----------------------------------------------------------------------------
_NON_BUDGET_BEFORE = re.compile(
    r"(?:생산\s?유발|부가\s?가치|유발\s?효과|경제\s?(?:적\s?)?(?:파급\s?)?효과|파급\s?효과|"
    r"시장\s?규모|시장(?:은|이|을)|매출|수출|수주|연봉|임금|급여|영업\s?이익|순이익|시가\s?총액|"
    r"기업\s?가치|펀드\s?규모|펀드(?:는|가|를|은)|기금\s?규모|손실|피해(?:액)?|집값|분양가|시세)"
    r"[^,.]{0,12}$"
)
_NON_BUDGET_AFTER = re.compile(
    r"^\s*(?:이상|가량|여|안팎|내외|대|어치)?\s?(?:의|에|로|으로|규모의?|규모로|대의?|짜리)?\s?"
    r"(?:생산|부가\s?가치|경제\s?효과|경제적|파급|시장|매출|수출|수주|연봉|펀드|영업이익|이익|손실|"
    r"피해|기업\s?가치|시가|[가-힣]{0,8}?(?:펀드|기금))"
)
_NON_BUDGET_SENTENCE = re.compile(
    r"백화점|쇼핑몰|아울렛|호텔|리조트|아파트|오피스텔|투자\s?유치|투자를\s?유치|투자\s?협약|"
    r"투자\s?의향|업무\s?협약|MOU"
)
_PUBLIC_FUNDER = re.compile(r"국비|시비|도비|국고|정부|예산")


# "펀드는 이 사업에 최대 500억원을 투자한다": what a fund puts into a project is a budget figure
# (funder other); the fund's own size ("펀드를 150조원 규모로 조성") is not.
_FUND_SUBJECT = re.compile(r"(?:펀드|기금)(?:는|가|은|이|을\s?통해|를\s?통해|에서)\s[^,.]{0,12}$")
_FUND_INVESTS = re.compile(r"^\s*(?:을|를|이|가)?\s?(?:투자|출자|투입|지원)")


def _is_budget(before: str, after: str, sentence: str) -> bool:
    if _FUND_SUBJECT.search(before) and _FUND_INVESTS.match(after):
        return True
    if _NON_BUDGET_BEFORE.search(before) or _NON_BUDGET_AFTER.match(after):
        return False
    if _NON_BUDGET_SENTENCE.search(sentence) and not _PUBLIC_FUNDER.search(sentence):
        return False
    return True


# --- stage -------------------------------------------------------------------------------------
_STEM = re.compile(
    r"(?P<request>요구|신청|건의|요청|촉구)"
    r"|(?P<secure>확보|따내|따냈|따낸|거머쥐|거머쥔|획득)"
    r"|(?P<confirm>확정)"
    r"|(?P<passed>통과|의결)"
    r"|(?P<reflect>반영|편성|포함|담겼|담긴|담아|담았|책정)"
    r"|(?P<allocate>교부|배정|배분)"
    r"|(?P<spend>투입|투자|집행|지출|사용|쏟아|들여|들인|들일|들어가|들어간|들어갈|소요|지원|구축|"
    r"조성|추진|출연|출자|쓰인|쓰일|썼)"
    r"|(?P<plan>계획|예정|방침)"
    r"|(?P<pledge>공약|약속)"
    r"|(?P<weak>규모|사업비)"
)
_FIXED_TENSE = {
    "따냈": "past",
    "따낸": "past",
    "거머쥔": "past",
    "담겼": "past",
    "담긴": "past",
    "담았": "past",
    "담아": "connective",
    "들여": "connective",
    "들인": "past",
    "들일": "future",
    "들어간": "past",
    "들어갈": "future",
    "쓰인": "past",
    "쓰일": "future",
    "썼": "past",
}
_NEG = re.compile(
    r"^(?:이|가|은|는|도|을|를)?(?:(?:되|하|돼|해)?지(?:않|못|도않)|못|안(?:되|돼|됐|했|하))"
    r"|^(?:이|가|에|을|를)?(?:무산|불발|실패|제외|빠졌|빠진|삭감|좌절|난항)"
)
_COND = re.compile(r"^(?:하|되)?면|^(?:할|될)경우|^(?:하|되)더라도")
_ASPIRE = re.compile(
    r"^(?:되|하)?도록|^(?:하|되)기\s?위|^(?:을|를)?위(?:해|한)|^(?:에|을|를)(?:나서|나선|나섰|총력|주력|"
    r"사활|안간힘|힘|매진|집중)|^(?:해|돼)야|^(?:하|되)겠|^(?:을|를)?목표|^(?:을|를)?추진|^하려"
)
_PAST = re.compile(
    r"^(?:했|됐|한(?!다)|된(?!다)|하였|되었|해왔|돼왔|해온|돼온|받았|받은|시켰|시킨(?!다)|갔|간(?!다)|"
    r"었|았|였)"
)
_FUTURE = re.compile(
    r"^(?:할|될|하게|되게|키로|하기로|되기로|한다|된다|하는|되는|합니다|됩니다|한단|된단|하려|예정|계획|"
    r"시킬|시킨다|갈|간다|받는다|받을|중)"
)
_CONNECTIVE = re.compile(r"^(?:해|하여|하고|돼|되어|되고|되며|하며|해서|돼서|하면서|시켜|받아)")
_QUOTE = re.compile(r"^[가-힣]{0,5}?(?:다|라|자)고")
_LATER_PAST = re.compile(r"(?:했|됐|었|았|였|왔)(?:다|고|으며|는데)|(?:한|된)\s")
_LATER_FUTURE = re.compile(r"(?:한다|된다|할|될|하겠|예정|계획|방침|목표|키로|하기로)")
_PAST_TIME = re.compile(r"지난\s?\d*\s?(?:년|해|달|간)|지난해까지|지금까지|그동안|이미|여태|그간")
_FUTURE_TIME = re.compile(r"앞으로|향후|내년|오는|부터|새해|\d{4}년까지")
_ASSEMBLY = re.compile(r"국회|본회의|예결위|예산결산")
_ASSEMBLY_DONE = re.compile(r"(?:통과|확정|의결|처리)(?:했|됐|된|돼|되었|하였)")
_PROPOSAL = re.compile(r"정부\s?안|예산\s?안|추경\s?안|정부\s?예산|정부가\s|정부는\s")
_GOV_NEXT_YEAR = re.compile(r"정부(?:는|가|의)\s")
_NEXT_YEAR = re.compile(r"내년|새해|\d{4}년도?\s?(?:예산|정부)")
_BUDGET_WORD = re.compile(r"예산|재정")


def _tense(stem: str, rest: str) -> str:
    if stem in _FIXED_TENSE:
        return _FIXED_TENSE[stem]
    rest = re.sub(r"\s+", "", rest[:16])
    if _NEG.match(rest):
        return "negated"
    if _COND.match(rest):
        return "conditional"
    if _ASPIRE.match(rest):
        return "aspiration"
    if _PAST.match(rest):
        return "past"
    if _FUTURE.match(rest):
        return "future"
    if _CONNECTIVE.match(rest):
        return "connective"
    return "nominal"


class _Sentence:
    """Flags of the amount's sentence that change what a verb means."""

    def __init__(self, sentence: str, before: str) -> None:
        self.sentence = sentence
        self.assembly = bool(_ASSEMBLY.search(sentence) and _ASSEMBLY_DONE.search(sentence))
        self.proposal = bool(_PROPOSAL.search(sentence))
        self.past_time = bool(_PAST_TIME.search(before))
        self.future_time = bool(_FUTURE_TIME.search(before))
        self.government_next_year = bool(
            _GOV_NEXT_YEAR.search(sentence)
            and _NEXT_YEAR.search(sentence)
            and _BUDGET_WORD.search(sentence)
        )


def _decide(kind: str, tense: str, rest: str, s: _Sentence) -> str | None:
    """Stage of one governing verb; "" means this cue decides nothing (read on)."""
    if tense == "conditional":
        return ""
    if tense == "negated":
        return None
    if kind == "request":
        return "requested"
    if kind == "pledge":
        return "pledged"
    if kind == "plan":
        return "planned"
    if kind == "passed":
        return "secured" if _ASSEMBLY.search(s.sentence) and tense != "future" else ""
    if tense == "aspiration":
        return "requested" if kind in ("secure", "reflect", "confirm") else "planned"
    if kind == "secure":
        return "requested" if tense == "future" else "secured"
    if kind == "confirm":
        if tense == "future":
            return "planned"
        if s.proposal and not s.assembly:
            return "government_proposal"
        return "secured"
    if kind == "reflect":
        if tense == "future":
            return "planned"
        if s.assembly:
            return "secured"
        return "government_proposal" if s.proposal else "secured"
    if kind == "allocate":
        return "planned" if tense == "future" else "allocated"
    if kind == "spend":
        if tense == "past":
            return "executed"
        if tense in ("future", "nominal"):
            return "planned"
        # connective "투입해 …": a time adverb or the tense of the sentence's later verb
        if s.past_time and not s.future_time:
            return "executed"
        if s.future_time:
            return "planned"
        later_past = _LATER_PAST.search(rest)
        later_future = _LATER_FUTURE.search(rest)
        if later_past and (not later_future or later_past.start() < later_future.start()):
            return "executed"
        return "planned"
    return "planned"  # weak: 규모, 사업비


def _stage_after(after: str, s: _Sentence) -> str | bool | None:
    """Stage from the verbs after the amount; False when nothing there decides."""
    fallback: str | bool | None = False
    for m in _STEM.finditer(after):
        kind = m.lastgroup or ""
        stem = m.group(0)
        rest = after[m.end() :]
        tense = _tense(stem, rest)
        if tense == "negated":
            # "확보되지 않아 … 요청했다": a request stated later still counts
            later = _STEM.search(rest)
            while later is not None and later.lastgroup != "request":
                later = _STEM.search(rest, later.end())
            return "requested" if later is not None else None
        if kind == "weak" or (tense == "nominal" and kind not in ("plan", "request", "pledge")):
            compact = re.sub(r"\s+", "", rest)
            if fallback is False:
                fallback = _decide(kind, tense, rest, s) or False
            if compact[:1] and compact[:1] not in ".·…\"'”’)]":
                continue  # a noun inside the phrase ("지원 예산을 확보"), the verb comes later
            return fallback
        stage = _decide(kind, tense, rest, s)
        if stage == "":
            continue
        if stage not in ("requested", "pledged") and _QUOTE.match(re.sub(r"\s+", "", rest)):
            # "투자하겠다고 공약했다", "반영해 달라고 요청했다": the reporting verb governs
            for later in _STEM.finditer(rest):
                if later.lastgroup in ("request", "pledge"):
                    return "requested" if later.lastgroup == "request" else "pledged"
        return stage
    return fallback


def _stage_before(before: str, s: _Sentence) -> str | bool | None:
    """An adnominal verb before the amount: "확보한 국비 100억원", "투입된 4300억원"."""
    last = None
    for m in _STEM.finditer(before[-30:]):
        last = m
    if last is None:
        return False
    rest = before[-30:][last.end() :]
    tense = _tense(last.group(0), rest)
    if tense in ("nominal", "connective") and last.lastgroup not in ("plan", "weak"):
        return False
    stage = _decide(last.lastgroup or "", tense, rest, s)
    return False if stage == "" else stage


def _stage(before: str, after: str, s: _Sentence) -> str | None:
    stage = _stage_after(after, s)
    if stage is False:
        stage = _stage_before(before, s)
    if s.government_next_year and stage in (False, None, "planned"):
        return "government_proposal"  # the government's budget for next year, still a bill
    if stage is False:
        return "planned"
    return stage  # type: ignore[return-value]


# --- English articles from Korean outlets ("600 billion won", "KRW 600 billion") ---------------
_EN_NON_BUDGET = re.compile(
    r"economic (?:effect|impact)|production inducement|value[- ]added|market (?:size|worth|is)|"
    r"revenue|sales|salar(?:y|ies)|\bfund\b",
    re.IGNORECASE,
)
_EN_STAGES = (
    (None, r"\b(?:not|never|failed to|yet to) (?:be )?(?:secure|secured|approved|won)"),
    (
        "requested",
        r"\b(?:request|requested|requesting|seek|seeks|sought|ask|asked|apply|applied)\b",
    ),
    ("government_proposal", r"budget (?:proposal|bill|plan)|proposed budget|draft budget"),
    ("secured", r"\b(?:secured|obtained|approved|passed|won approval|earmarked)\b"),
    ("allocated", r"\b(?:allocated|disbursed|distributed)\b"),
    ("executed", r"\b(?:invested|spent|poured|has put|have put)\b"),
    ("planned", r"\b(?:will|plan|plans|planned|aims?|expected|to invest|to spend|worth)\b"),
)
_EN_STAGE_RES = [(stage, re.compile(p, re.IGNORECASE)) for stage, p in _EN_STAGES]
_EN_FUNDERS = (
    ("national", re.compile(r"\b(?:government|state|national|treasury)\b", re.IGNORECASE)),
    ("metropolitan", re.compile(r"\b(?:city|provincial|metropolitan)\b", re.IGNORECASE)),
    ("private", re.compile(r"\bprivate\b", re.IGNORECASE)),
)
_TOTAL_EN = re.compile(r"\b(?:total|in all|combined|overall)\b", re.IGNORECASE)
# The source named right after an amount: "45 billion won from the national treasury",
# "30 billion won in state funds", "90 billion won in total".
_EN_SOURCE_AFTER = re.compile(
    r"^\W{0,3}(?:(?:in|from|of|by|out of)\s+(?:the\s+)?(?:(?P<national>national treasury|treasury|"
    r"state (?:funds?|budget|coffers|money)|government (?:funds?|funding|budget|money|subsid\w+)|"
    r"central government|national (?:funds?|budget))|(?P<metropolitan>(?:city|provincial|"
    r"metropolitan) (?:funds?|budget|money|coffers))|(?P<private>private (?:capital|funds?|"
    r"investment|money|sector)))|(?P<total>in total|in all|combined|altogether))",
    re.IGNORECASE,
)


def _english_reading(before: str, after: str, sentence: str) -> Reading:
    if _EN_NON_BUDGET.search(before[-40:] + " " + after[:30]):
        return Reading(None, None, False)
    stage: str | None = "planned"
    for candidate, pattern in _EN_STAGE_RES:
        if pattern.search(sentence):
            stage = candidate
            break
    funder = "total"
    near = before[-30:]
    source = _EN_SOURCE_AFTER.match(after)
    if source is not None:
        funder = source.lastgroup or "total"
    elif not _TOTAL_EN.search(near):
        for name, pattern in _EN_FUNDERS:
            if pattern.search(near):
                funder = name
                break
    return Reading(funder, stage, True)


# --- the reading of one amount ------------------------------------------------------------------
def _enclosing_paren(text: str, start: int, end: int, left: int, right: int) -> tuple[int, int]:
    """If the amount is inside (...), the span of the parentheses; else the amount's span."""
    open_at = text.rfind("(", max(left, start - 80), start)
    if open_at != -1 and text.find(")", open_at, start) == -1:
        close_at = text.find(")", end, min(right, end + 160))
        if close_at != -1:
            return open_at, close_at + 1
    return start, end


def read_context(ctx: Context, start: int, end: int, left: int, right: int, krw: int) -> Reading:
    """Funder, stage and budget flag of the amount ``text[start:end]`` in sentence [left, right)."""
    text = ctx.text
    span = _enclosing_paren(text, start, end, left, right)
    sentence = text[left:right]
    before = text[left : span[0]]
    after = text[span[1] : right]
    if after.lstrip().startswith("("):  # "4269억원(국비 …)을 투입해": read past the breakdown
        close = after.find(")")
        after = after[close + 1 :] if close != -1 else after
    clause_before = text[max(left, start - 30) : start]
    if not re.search(r"[가-힣]", sentence):
        reading = _english_reading(before, after, sentence)
    elif not _is_budget(clause_before, text[end:right][:24], sentence):
        reading = Reading(None, None, False)
    else:
        s = _Sentence(sentence, before)
        parent = _parent(ctx, start, left, krw, span)
        funder = _funder(ctx, start, end, krw, left, right, span, parent, sentence)
        stage = _stage(before, after, s)
        if funder is DEFAULT_TOTAL:
            whole = budget_item_parent(ctx, krw)
            if whole is not None:
                funder = whole.funder if whole.funder != "total" else None
        funder = str(funder) if funder is not None else None
        if parent is not None and span != (start, end):
            stage = parent[3].stage or stage  # a breakdown shares its total's verb
        reading = Reading(funder, stage, True)
    ctx.read.append((start, end, krw, reading))
    return reading
