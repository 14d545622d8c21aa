"""Status signals: events in a news article that move a pledge's status or milestones.

Pure functions, no Django. The Django side turns a signal into a suggested ``StatusChange`` or
``Milestone`` that an editor accepts in one step; everything it needs is on the signal.

API
---
``extract_status_signals(title, text, *, region_terms=(), published=None) -> list[StatusSignal]``

- ``title``: the headline (may be empty). When ``text`` already starts with it (eval-dev and the
  page splitter put the headline on the first line), it is not scanned twice.
- ``text``: the article body as stored. All offsets are into this string (or into ``title`` when
  ``signal.source == "title"``).
- ``region_terms``: the pledge's own places ("광주", "광주광역시", "광산구", "빛그린" …), taken from
  the pledge's editable terms. They decide whether a siting names *our* region
  (``site_selected``) or another (``sited_elsewhere``). Empty: every siting is ``site_selected``
  unless the text says the bid was lost ("유치 실패").
- ``published``: the article's date; resolves "지난 9일", "내년 상반기", "전날", and decides that
  an event dated after publication has not happened yet. ``None``: relative dates stay ``None``.

The result is in text order (title signals first); at most one signal per sentence and kind.

``StatusSignal`` fields
    kind            one of ``SignalKind`` (below)
    sentence        the sentence text; ``start``/``end`` its span in ``text`` (or ``title``)
    source          "text" or "title"
    trigger         the words that fired ("예타 면제", "착공", "유치가 수포"), at
                    ``trigger_start``/``trigger_end`` (same coordinates as ``start``)
    happened        True: reported as done (past/perfective verb, "확정된", headline noun phrase
                    "예타 면제 최종 확정", "-자"); False: planned, expected, conditional or aimed at
                    ("착공할 예정", "2028년 착공을 목표로", "확정되면", "착수한다고 밝혔다")
    negated         the event's own verb is negated ("선정되지 못했다", "무산되지 않도록",
                    "확보 못해", "미반영"). Negation in a later clause does not count.
    date            the event date the sentence states (nearest date before the trigger), or None;
                    for ``delayed`` it is the new target date ("내년으로 연기됐다")
    date_text       that date as written ("지난달 30일", "2028년", "내년 상반기")
    date_precision  "day" | "month" | "half" | "year" | None; ``date`` is the first day of the
                    period ("2028년" → 2028-01-01, "하반기" → 07-01, "말" → month 12)
    place           for siting kinds: the place the sentence names as chosen, else None
    suggested_status  a ``Status`` value (pledges.models) or None: the rating this signal
                    argues for. Only events that happened (or, for money, secured/selected
                    negatively) suggest a status; planned events suggest none.
    milestone_kind  a ``MilestoneKind`` value or None: the milestone this signal fills
                    (``actual_date`` when ``happened``, else ``planned_date``)
    broken_reason   a ``BrokenReason`` value, set exactly when ``suggested_status == "broken"``
                    ("sited_elsewhere"; "other" for a bare 무산/백지화 — the editor refines it)

``SignalKind`` (what the words say → suggestion when happened and not negated)
    feasibility_exempted  예타 면제 (확정/의결/면제하기로)     → in_progress, feasibility_study
    feasibility_passed    예타 통과                          → in_progress, feasibility_study
    feasibility_failed    예타 탈락/미통과                    → stalled
    budget_requested      예산·국비 건의/요청/신청            → (none)
    budget_proposed       정부 예산안·추경안 반영/포함, 상임위 책정 → in_progress, budget
    budget_secured        예산 확보/확정/편성/따냄, 국회 통과   → in_progress, budget
    plan_adopted          국정과제 채택, 국무회의 의결/통과    → in_progress, other
    study_started         용역·연구·기획·설계 착수, 착수보고회   → in_progress, design
    construction_started  착공, 첫 삽, 기공식                 → in_progress, groundbreaking
    completed_opened      준공/완공 (completion), 개소/개관/개원/개통 (opening) → kept
    site_selected         입지·부지·후보지 선정/결정/낙점/지정 of our region, "광주로 지정",
                          유치 성공/확정                        → in_progress, other
    sited_elsewhere       the same naming another place; 유치 실패/무산/수포; 입지 변경
                                                              → broken (sited_elsewhere)
    selected_in_contest   공모·사업에 선정                     → in_progress, contest_selection
    tender_failed         유찰                                → stalled
    cancelled             무산, 백지화, 취소, 철회, 좌초, 물거품 → broken (other)
    on_hold               보류, 중단, 표류, 제동               → stalled
    delayed               연기, 지연, 늦춰/미뤄, 순연, 차질      → (none: the milestone date moves)

Negated events that happened suggest ``stalled`` for money, feasibility and selection kinds
("예산을 확보하지 못했다", "예타 면제가 불발", "선정되지 못했다") and nothing otherwise
("무산되지 않았다" is no news).

How it works: sentences are cut by punctuation (no Kiwi pass over the whole text); trigger
words are found by regular expressions that tolerate missing spaces and use only bounded
repetition (linear time). Only sentences with a trigger are analysed by Kiwi, and only from the
trigger to at most ``_WINDOW`` characters after it: the morphemes after the trigger give the
verb's tense (-었/았- past, -ㄴ adnominal perfective, -ㄹ/-겠- future), mood (-면, -도록, -려고
planned) and negation (-지 않/못, 안/못, 없). A linking ending (-고, -며, -면서, -어) without
tense takes the tense of the next predicate, as Korean conjoined clauses do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .dates import event_date, is_future
from .kiwi import get_kiwi
from .normalize import split_sentences

__all__ = ["SignalKind", "StatusSignal", "extract_status_signals", "suggestion_for"]


class SignalKind(StrEnum):
    FEASIBILITY_EXEMPTED = "feasibility_exempted"
    FEASIBILITY_PASSED = "feasibility_passed"
    FEASIBILITY_FAILED = "feasibility_failed"
    BUDGET_REQUESTED = "budget_requested"
    BUDGET_PROPOSED = "budget_proposed"
    BUDGET_SECURED = "budget_secured"
    PLAN_ADOPTED = "plan_adopted"
    STUDY_STARTED = "study_started"
    CONSTRUCTION_STARTED = "construction_started"
    COMPLETED_OPENED = "completed_opened"
    SITE_SELECTED = "site_selected"
    SITED_ELSEWHERE = "sited_elsewhere"
    SELECTED_IN_CONTEST = "selected_in_contest"
    TENDER_FAILED = "tender_failed"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"
    DELAYED = "delayed"


@dataclass(frozen=True)
class StatusSignal:
    kind: str
    sentence: str
    start: int
    end: int
    source: str
    trigger: str
    trigger_start: int
    trigger_end: int
    happened: bool
    negated: bool
    date: date | None
    date_text: str | None
    date_precision: str | None
    place: str | None
    suggested_status: str | None
    milestone_kind: str | None
    broken_reason: str | None

    def as_dict(self) -> dict[str, object]:
        d = dict(self.__dict__)
        d["date"] = self.date.isoformat() if self.date else None
        return d


K = SignalKind

# kind → (status when it happened, milestone kind, broken reason)
_SUGGEST: dict[str, tuple[str | None, str | None, str | None]] = {
    K.FEASIBILITY_EXEMPTED: ("in_progress", "feasibility_study", None),
    K.FEASIBILITY_PASSED: ("in_progress", "feasibility_study", None),
    K.FEASIBILITY_FAILED: ("stalled", None, None),
    K.BUDGET_REQUESTED: (None, None, None),
    K.BUDGET_PROPOSED: ("in_progress", "budget", None),
    K.BUDGET_SECURED: ("in_progress", "budget", None),
    K.PLAN_ADOPTED: ("in_progress", "other", None),
    K.STUDY_STARTED: ("in_progress", "design", None),
    K.CONSTRUCTION_STARTED: ("in_progress", "groundbreaking", None),
    K.COMPLETED_OPENED: ("kept", "completion", None),
    K.SITE_SELECTED: ("in_progress", "other", None),
    K.SITED_ELSEWHERE: ("broken", None, "sited_elsewhere"),
    K.SELECTED_IN_CONTEST: ("in_progress", "contest_selection", None),
    K.TENDER_FAILED: ("stalled", None, None),
    K.CANCELLED: ("broken", None, "other"),
    K.ON_HOLD: ("stalled", None, None),
    K.DELAYED: (None, None, None),
}
# A negated event that happened is a setback for these kinds ("확보하지 못했다").
_NEGATED_STALLS = {
    K.FEASIBILITY_EXEMPTED,
    K.FEASIBILITY_PASSED,
    K.BUDGET_PROPOSED,
    K.BUDGET_SECURED,
    K.SITE_SELECTED,
    K.SELECTED_IN_CONTEST,
}
_OPENING = re.compile(r"개소|개관|개원|개통|문")


def suggestion_for(
    kind: str, *, happened: bool, negated: bool, trigger: str = ""
) -> tuple[str | None, str | None, str | None]:
    """(suggested_status, milestone_kind, broken_reason) for a signal; see the module docstring."""
    status, milestone, reason = _SUGGEST[kind]
    if kind == K.COMPLETED_OPENED and _OPENING.search(trigger):
        milestone = "opening"
    if negated:
        status = "stalled" if happened and kind in _NEGATED_STALLS else None
        return status, None, None
    if not happened:
        return None, milestone, None
    return status, milestone, reason


# --- places -------------------------------------------------------------------------------------

# Korean provinces/metropolitan cities and cities/counties: geography, not pledge data. Used only
# to tell that a sentence names *a* place as the chosen site; which place is ours comes from
# ``region_terms``.
_PLACES = (
    "서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주 "
    "경기도 강원도 충청북도 충청남도 전라북도 전라남도 경상북도 경상남도 제주도 전북특별자치도 "
    "수원 성남 고양 용인 부천 안산 안양 남양주 화성 평택 의정부 시흥 파주 김포 광명 광주시 군포 "
    "하남 오산 이천 안성 의왕 양주 포천 여주 동두천 과천 가평 양평 연천 춘천 원주 강릉 동해 태백 "
    "속초 삼척 홍천 횡성 영월 평창 정선 철원 화천 양구 인제 고성 양양 청주 충주 제천 보은 옥천 "
    "영동 증평 진천 괴산 음성 단양 천안 공주 보령 아산 서산 논산 계룡 당진 금산 부여 서천 청양 "
    "홍성 예산군 태안 전주 군산 익산 정읍 남원 김제 완주 진안 무주 장수 임실 순창 고창 부안 목포 "
    "여수 순천 나주 광양 담양 곡성 구례 고흥 보성 화순 장흥 강진 해남 영암 무안 함평 영광 장성 "
    "완도 진도 신안 포항 경주 김천 안동 구미 영주 영천 상주 문경 경산 의성 청송 영양 영덕 청도 "
    "고령 성주 칠곡 예천 봉화 울진 울릉 창원 진주 통영 사천 김해 밀양 거제 양산 의령 함안 창녕 "
    "남해 하동 산청 함양 거창 합천 새만금 오송 오창 대덕 판교 송도"
).split()
_PLACE_RE = re.compile(
    "(?:" + "|".join(sorted(_PLACES, key=len, reverse=True)) + ")"
    r"(?:특별자치도|특별자치시|광역시|특별시|시|군|구|도)?"
)
# Particles that make a place the chosen one (subject, object, "로 선정"), not a locative.
_CORE_PARTICLE = re.compile(r"['’”\"」』]?\s*(?:이|가|은|는|을|를|로|으로|도|만)(?![가-힣])")


# --- triggers -----------------------------------------------------------------------------------

_S = r"\s*"
_FEAS_CTX = re.compile(r"예비\s*타당성(?:\s*조사)?|예타")
_FEAS_EXEMPT = re.compile(r"면제")
_FEAS_PASS = re.compile(r"(?:예비\s*타당성(?:\s*조사)?|예타)[를을]?\s*(?:최종\s*)?통과")
_FEAS_FAIL = re.compile(
    r"(?:예비\s*타당성(?:\s*조사)?|예타)[에서의]{0,2}\s*(?:최종\s*)?(?:탈락|미통과|좌절|고배)"
    r"|(?:예비\s*타당성(?:\s*조사)?|예타)[를을]?\s*(?:통과하지\s*못|넘지\s*못)"
)
_BUDGET_CTX = re.compile(r"예산|국비|국고|사업비|용역비|추경|정부안|재원")
_BUDGET_VERB = re.compile(
    r"확보|반영|편성|확정|따내|따냈|배정|책정|포함|통과|건의|요청|요구|신청|삭감"
)
_BUDGET_REQUEST = {"건의", "요청", "요구", "신청"}
_BUDGET_PROPOSAL_CTX = re.compile(
    r"정부\s*예산안|예산안|정부안|추경안|추가경정\S{0,3}안|정부\s*예산|[가-힣]{2,6}위원회가|책정"
)
_BUDGET_FINAL_CTX = re.compile(r"본회의|국회\s*(?:를\s*)?통과|최종\s*확정|확보|따내|따냈")
_PLAN = re.compile(
    r"국정\s*과제\s*(?:로\s*)?(?:공식\s*)?(?:채택|선정)"
    r"|국무회의(?:에서|를|의)?\s*(?:도\s*)?(?:[^.\n]{0,30}?)(?:의결|통과)"
)
_STUDY = re.compile(
    r"(?:용역|연구|기획|설계|구상)(?:에|을|를)?\s*(?:본격\s*)?착수(?!\s*보고)|착수\s*보고회"
)
_CONSTRUCTION = re.compile(r"착공|첫\s*삽|기공식")
_COMPLETION = re.compile(r"준공|완공|개소(?!\s*식?\s*일정)|개관|개원|개통|문을\s*열")
_SITE_NOUN = re.compile(
    r"(?:입지|부지|후보지|사업지|대상지|최적지|건립지|예정지|지역)[^.\n]{0,40}?"
    r"(?:(?:최종\s*)?(?:선정|결정(?!\s*짓)|확정|낙점|지정))"
)
_SITE_CHANGED = re.compile(r"(?:입지|부지)\s*(?:가\s*)?(?:변경|이전)")
_PLACE_CHOSEN = re.compile(
    r"(?:" + _PLACE_RE.pattern + r")['’”\"」』]?\s*(?:로|으로)\s*(?:최종\s*)?"
    r"(?:선정|지정|결정|확정|낙점)"
)
_BID_LOST = re.compile(
    r"유치(?:가|에|는|를|전에서|전)?\s*(?:사실상\s*|결국\s*|최종\s*)?"
    r"(?:실패|무산|불발|좌절|수포|물거품|고배|패배)"
)
_BID_WON = re.compile(r"유치(?:에|를|가)?\s*(?:최종\s*)?(?:성공|확정)")
_CONTEST = re.compile(
    r"(?:공모|사업|과제|대상|대상지|도시|기관|지구|특구)(?:에|으로|로)\s*(?:최종\s*)?선정"
    r"|(?:공모|심사)(?:에서)?\s*(?:최종\s*)?탈락"
)
_TENDER = re.compile(r"유찰")
_CANCELLED = re.compile(r"무산|백지화|취소|철회|폐기|좌초|물거품|없던\s*일")
_ON_HOLD = re.compile(r"보류|잠정\s*중단|중단|표류|제동이?\s*걸|올\s*스톱")
_DELAYED = re.compile(r"연기(?=되|됐|돼|했|하|할|된|한)|지연|늦어지|늦춰|미뤄|순연|차질")

# (kind, pattern, priority): on overlapping triggers the higher priority wins ("유치 무산" is a
# lost bid, not a bare cancellation).
_SIMPLE: list[tuple[str, re.Pattern[str], int]] = [
    (K.PLAN_ADOPTED, _PLAN, 2),
    (K.STUDY_STARTED, _STUDY, 2),
    (K.CONSTRUCTION_STARTED, _CONSTRUCTION, 2),
    (K.COMPLETED_OPENED, _COMPLETION, 2),
    (K.TENDER_FAILED, _TENDER, 2),
    (K.SITED_ELSEWHERE, _BID_LOST, 5),
    (K.SITED_ELSEWHERE, _SITE_CHANGED, 5),
    (K.CANCELLED, _CANCELLED, 1),
    (K.ON_HOLD, _ON_HOLD, 1),
    (K.DELAYED, _DELAYED, 1),
]


# --- tense, mood and negation from the morphemes after the trigger ------------------------------

_WINDOW = 300  # characters of a sentence analysed after a trigger (bounds Kiwi's work)

_PLAN_NOUNS = {
    "예정", "계획", "방침", "목표", "전망", "기대", "가능성", "여부", "청신호", "시동", "필요",
    "노력", "총력", "일정", "검토", "모색", "촉구", "요구", "건의", "요청", "추진", "준비", "대비",
    "시기", "목전", "앞",
}  # fmt: skip
# After a linking ending only the nouns that govern the whole sentence still make it planned.
_GOVERNING_PLAN_NOUNS = {"예정", "계획", "방침", "목표", "전망"}
# Head nouns that presuppose the event: "면제 확정", "면제 사업", "유치 실패 이후", "변경 충격".
_FACT_HEADS = {
    "확정", "결정", "완료", "성공", "성과", "사업", "대상", "대상지", "이후", "후", "뒤", "여파",
    "결과", "이래", "충격", "직후",
}  # fmt: skip
_PLAN_EC = {"면", "으면", "려면", "으려면", "도록", "려고", "으려고", "고자", "러", "으러"}
_PAST_EC = {"자", "자마자", "더니", "었더니"}
_LINK_EC = {"고", "며", "으며", "면서", "으면서", "어", "아", "어서", "아서", "여", "여서", "게"}
_PAST_EP = {"었", "았", "였", "었었", "았었", "ᆻ"}
_PREDICATE_TAGS = {"VV", "VA", "VX", "XSV", "XSA", "VCP", "VCN"}
_EVENT_AFTER_LOCATIVE = {"들어가", "돌입", "성공", "착수", "이르", "잇", "따르"}


@dataclass
class _Mood:
    happened: bool
    negated: bool
    planned: bool
    argument: bool = False  # "배정에 방점", "확보에 총력": the trigger is not an event here


def _analyse(tokens: list, offset: int) -> _Mood:
    """Tense/mood/negation of the predicate governing the trigger that ends at ``offset``.

    ``tokens``: Kiwi tokens of the window, with ``start`` relative to the window.
    """
    past = planned = negated = fact = argument = False
    saw_predicate = final = False
    linked = False  # crossed a linking ending: only tense and governing nouns count now
    first = True
    i = 0
    n = len(tokens)
    while i < n and tokens[i].start < offset:
        i += 1
    while i < n:
        t = tokens[i]
        form, tag = t.form, t.tag.split("-")[0]  # "VV-I" (irregular) is a VV
        if tag.startswith("N") or tag == "XR":
            if form in _GOVERNING_PLAN_NOUNS or (not linked and form in _PLAN_NOUNS):
                planned = True
            elif first and form in _FACT_HEADS and not linked:
                fact = True
        elif tag == "JKB" and first and form in ("에", "에서"):
            # "확보에 총력", "배정에 방점": the trigger is an argument, not the event, unless a
            # light verb makes it one ("착공에 들어갔다", "착수보고회에 이어").
            nxt = tokens[i + 1] if i + 1 < n else None
            if nxt is None or nxt.form not in _EVENT_AFTER_LOCATIVE | {"이어"}:
                argument = True
                break
            fact = True
        elif tag == "MAG" and form in ("안", "못") and not linked:
            negated = True
        elif tag in _PREDICATE_TAGS:
            saw_predicate = True
            if not linked and form in ("않", "못하", "못", "없"):
                negated = True
            if form == "위하" and not linked:
                planned = True
                break
        elif tag == "EP":
            if form in _PAST_EP:
                past = True
            elif form == "겠":
                planned = True
        elif tag == "ETM" and linked:
            nxt = tokens[i + 1] if i + 1 < n else None
            if form in ("ᆯ", "을") and nxt is not None and nxt.form == "것":
                planned = True  # "…되고 추진될 것으로 보인다"
        elif tag == "ETM":
            if form in ("ᆯ", "을", "를"):
                planned = True
            elif form in ("ᆫ", "은") and saw_predicate:
                past = True
            break
        elif tag == "ETN":
            pass
        elif tag == "EC":
            if form == "지":
                pass
            elif form in _PLAN_EC:
                planned = True
                break
            elif form in _PAST_EC:
                past = True
                break
            elif form in _LINK_EC and not past:
                linked = True
            else:  # quotative, concessive, or a linking ending after a past tense
                break
        elif tag == "EF":
            final = True
            break
        first = False
        i += 1
    if not planned and (not saw_predicate or (linked and not final and i >= n)):
        # headline noun phrase ("예타 면제 최종 확정", "연구용역 착수") or a headline whose
        # linked clauses never reach a final verb ("1·2차 유찰 거쳐 3차 공모에…")
        fact = True
    return _Mood(
        happened=(past or fact) and not planned,
        negated=negated,
        planned=planned,
        argument=argument,
    )


# --- candidates ---------------------------------------------------------------------------------


@dataclass
class _Hit:
    kind: str
    start: int  # trigger span in the sentence
    end: int
    priority: int
    place: str | None = None


def _feasibility_hits(s: str) -> list[_Hit]:
    ctx = [m.span() for m in _FEAS_CTX.finditer(s)]
    if not ctx:
        return []
    hits: list[_Hit] = []
    for m in _FEAS_FAIL.finditer(s):
        hits.append(_Hit(K.FEASIBILITY_FAILED, m.start(), m.end(), 4))
    for m in _FEAS_EXEMPT.finditer(s):
        # 면제 within 40 characters of 예타 (either side), in the same sentence
        if any(-40 <= m.start() - ce <= 40 or -40 <= cs - m.end() <= 40 for cs, ce in ctx):
            hits.append(_Hit(K.FEASIBILITY_EXEMPTED, m.start(), m.end(), 4))
            break
    if not hits:
        for m in _FEAS_PASS.finditer(s):
            hits.append(_Hit(K.FEASIBILITY_PASSED, m.start(), m.end(), 4))
            break
    return hits


def _budget_hits(s: str) -> list[_Hit]:
    last: re.Match[str] | None = None
    ctx = list(_BUDGET_CTX.finditer(s))
    for c in ctx:
        for v in _BUDGET_VERB.finditer(s, c.end(), min(len(s), c.end() + 50)):
            if last is None or v.start() > last.start():
                last = v
    if last is None:
        return []
    word = last.group()
    # The budget's own phrase: from the first budget noun within 50 characters before the verb.
    first = min(c.start() for c in ctx if last.start() - 50 <= c.end() <= last.start())
    near = s[max(0, first - 6) : last.end() + 15]  # with its modifier ("정부 예산")
    if word in _BUDGET_REQUEST:
        kind = K.BUDGET_REQUESTED
    elif _BUDGET_FINAL_CTX.search(near):
        kind = K.BUDGET_SECURED
    elif _BUDGET_PROPOSAL_CTX.search(near):
        kind = K.BUDGET_PROPOSED
    else:
        kind = K.BUDGET_SECURED
    return [_Hit(kind, last.start(), last.end(), 3)]


def _chosen_place(
    s: str, before: int, ours: list[tuple[int, int]], *, fallback: bool
) -> tuple[str | None, bool | None]:
    """(place, is_ours) of the place named as chosen before ``before``; (None, None) if none."""
    lo = max(0, before - 120)  # the clause before the verb; bounded so long lines stay linear
    places = [(m.start(), m.end()) for m in _PLACE_RE.finditer(s, lo, before)]
    places += [span for span in ours if lo <= span[0] and span[1] <= before]
    places.sort(key=lambda p: p[1])
    core = [p for p in places if _CORE_PARTICLE.match(s, p[1])]
    pick = core[-1] if core else (places[-1] if places and fallback else None)
    if pick is None:
        return None, None
    is_ours = any(a < pick[1] and pick[0] < b for a, b in ours)
    return s[pick[0] : pick[1]], is_ours


def _site_hits(s: str, region_terms: tuple[str, ...]) -> list[_Hit]:
    hits: list[_Hit] = []
    ours = [
        (m.start(), m.start() + len(t))
        for t in region_terms
        if t
        for m in re.finditer(re.escape(t), s)
    ]
    for m in _PLACE_CHOSEN.finditer(s):
        place, is_ours = _chosen_place(s, m.end(), ours, fallback=True)
        kind = K.SITED_ELSEWHERE if region_terms and is_ours is False else K.SITE_SELECTED
        hits.append(_Hit(kind, m.start(), m.end(), 4, place))
    for pattern in (_SITE_NOUN, _BID_WON):
        for m in pattern.finditer(s):
            place, is_ours = _chosen_place(s, m.end(), ours, fallback=True)
            kind = K.SITED_ELSEWHERE if region_terms and is_ours is False else K.SITE_SELECTED
            hits.append(_Hit(kind, m.start(), m.end(), 3, place))
    for m in _CONTEST.finditer(s):
        place, is_ours = _chosen_place(s, m.start(), ours, fallback=False)
        if region_terms and is_ours is False:
            hits.append(_Hit(K.SITED_ELSEWHERE, m.start(), m.end(), 3, place))
        else:
            hits.append(_Hit(K.SELECTED_IN_CONTEST, m.start(), m.end(), 3, place))
    return hits


def _hits(s: str, region_terms: tuple[str, ...]) -> list[_Hit]:
    hits = _feasibility_hits(s) + _budget_hits(s) + _site_hits(s, region_terms)
    for kind, pattern, priority in _SIMPLE:
        for m in pattern.finditer(s):
            hits.append(_Hit(kind, m.start(), m.end(), priority))
    # Overlapping triggers: keep the higher priority ("유치 무산" is not also a bare 무산).
    hits.sort(key=lambda h: (-h.priority, h.start))
    kept: list[_Hit] = []
    for h in hits:
        if not any(h.start < k.end and k.start < h.end for k in kept):
            kept.append(h)
    # One signal per kind and sentence: the first trigger (budget: the only one it gives).
    seen: set[str] = set()
    out: list[_Hit] = []
    for h in sorted(kept, key=lambda h: h.start):
        if h.kind not in seen:
            seen.add(h.kind)
            out.append(h)
    return out


# --- the public function ------------------------------------------------------------------------


def _title_in_text(title: str, text: str) -> bool:
    t = re.sub(r"\s+", "", title)
    return not t or t in re.sub(r"\s+", "", text[: len(title) + 200])


def _scan(
    text: str,
    source: str,
    region_terms: tuple[str, ...],
    published: date | None,
    out: list[StatusSignal],
) -> None:
    kiwi = None
    for s_start, s_end in split_sentences(text, use_kiwi=False):
        sentence = text[s_start:s_end]
        hits = _hits(sentence, region_terms)
        if not hits:
            continue
        if kiwi is None:
            kiwi = get_kiwi()
        w_start = min(h.start for h in hits)
        w_end = min(len(sentence), max(h.end for h in hits) + _WINDOW)
        shared = kiwi.tokenize(sentence[w_start:w_end]) if w_end - w_start <= 2 * _WINDOW else None
        for h in hits:
            if shared is not None:
                mood = _analyse(shared, h.end - w_start)
            else:  # a long line (a page without punctuation): one small window per trigger
                own = kiwi.tokenize(sentence[h.start : min(len(sentence), h.end + _WINDOW)])
                mood = _analyse(own, h.end - h.start)
            if mood.argument:
                continue
            when = event_date(sentence, h.start, published)
            happened = mood.happened
            if (
                happened
                and when is not None
                and h.kind != K.DELAYED  # "내년으로 연기됐다": the date is the new target
                and is_future(when, published)
            ):
                happened = False  # "2028년 착공" in a 2025 article has not happened
            status, milestone, reason = suggestion_for(
                h.kind, happened=happened, negated=mood.negated, trigger=sentence[h.start : h.end]
            )
            out.append(
                StatusSignal(
                    kind=str(h.kind),
                    sentence=sentence,
                    start=s_start,
                    end=s_end,
                    source=source,
                    trigger=sentence[h.start : h.end],
                    trigger_start=s_start + h.start,
                    trigger_end=s_start + h.end,
                    happened=happened,
                    negated=mood.negated,
                    date=when.value if when else None,
                    date_text=when.text if when else None,
                    date_precision=when.precision if when else None,
                    place=h.place,
                    suggested_status=status,
                    milestone_kind=milestone,
                    broken_reason=reason,
                )
            )


def extract_status_signals(
    title: str,
    text: str,
    *,
    region_terms: tuple[str, ...] = (),
    published: date | None = None,
) -> list[StatusSignal]:
    """Events in an article that move a pledge's status or milestones (see the module docs)."""
    out: list[StatusSignal] = []
    region_terms = tuple(t for t in region_terms if t and t.strip())
    if title and title.strip() and not _title_in_text(title, text or ""):
        _scan(title, "title", region_terms, published, out)
    if text:
        _scan(text, "text", region_terms, published, out)
    return out
