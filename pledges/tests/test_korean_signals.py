"""Status signals: every event kind, tense (happened vs planned), negation, siting, dates.

All texts are short sentences written for these tests in the style of Korean news.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledges.korean import SignalKind, StatusSignal, extract_status_signals

PUB = date(2025, 9, 10)
OURS = ("광주", "광주광역시")


def signals(text: str, **kw) -> list[StatusSignal]:
    kw.setdefault("published", PUB)
    kw.setdefault("region_terms", OURS)
    return extract_status_signals("", text, **kw)


def one(text: str, kind: str, **kw) -> StatusSignal:
    found = [s for s in signals(text, **kw) if s.kind == kind]
    assert len(found) == 1, [(s.kind, s.trigger) for s in signals(text, **kw)]
    return found[0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("시의 미래차 사업이 예비타당성조사 면제 대상으로 최종 확정됐다.", "feasibility_exempted"),
        ("도시철도 2호선 연장 사업이 예타를 통과했다.", "feasibility_passed"),
        ("순환도로 건설 사업은 예타에서 탈락했다.", "feasibility_failed"),
        ("시는 내년도 국비 200억원 반영을 정부에 건의했다.", "budget_requested"),
        ("정부 예산안에 설계비 30억원이 반영됐다.", "budget_proposed"),
        ("시는 국회 본회의에서 국비 120억원을 최종 확보했다.", "budget_secured"),
        ("이 사업은 지난달 국정과제로 채택됐다.", "plan_adopted"),
        ("시는 기본계획 수립 용역에 착수했다.", "study_started"),
        ("복합문화센터가 지난 3일 착공했다.", "construction_started"),
        ("청년창업센터가 지난 5일 문을 열었다.", "completed_opened"),
        ("후보지로 광주가 최종 선정됐다.", "site_selected"),
        ("정부는 입지로 대구를 최종 선정했다.", "sited_elsewhere"),
        ("광주시가 스마트도시 챌린지 공모사업에 최종 선정됐다.", "selected_in_contest"),
        ("민간사업자 공모가 두 차례 유찰됐다.", "tender_failed"),
        ("수소 트램 도입 계획이 결국 무산됐다.", "cancelled"),
        ("시의회는 관련 조례안 처리를 보류했다.", "on_hold"),
        ("개관 시기가 내년으로 연기됐다.", "delayed"),
    ],
)
def test_each_kind_is_found_and_happened(text: str, kind: str) -> None:
    s = one(text, kind)
    assert s.happened is True
    assert s.negated is False
    assert kind in {k.value for k in SignalKind}


def test_future_construction_is_a_planned_milestone() -> None:
    s = one("시는 2028년 착공할 예정이다.", "construction_started")
    assert s.happened is False
    assert s.suggested_status is None
    assert s.milestone_kind == "groundbreaking"
    assert s.date == date(2028, 1, 1) and s.date_precision == "year"


def test_aspiration_to_exempt_is_planned() -> None:
    s = one("시는 예타 면제를 추진하고 있다.", "feasibility_exempted")
    assert s.happened is False


def test_conditional_is_planned() -> None:
    s = one("예타 면제가 확정되면 내년부터 사업이 추진된다.", "feasibility_exempted")
    assert s.happened is False


def test_past_construction_suggests_in_progress_with_its_date() -> None:
    s = one("복합문화센터가 지난 3일 착공했다.", "construction_started")
    assert s.happened is True
    assert s.suggested_status == "in_progress"
    assert s.milestone_kind == "groundbreaking"
    assert s.date == date(2025, 9, 3) and s.date_text == "지난 3일"


def test_headline_noun_phrase_counts_as_happened() -> None:
    assert one("광주 AI 사업 예타 면제 최종 확정", "feasibility_exempted").happened is True


def test_present_tense_announcement_is_planned() -> None:
    assert one("시는 기획연구 용역에 착수한다고 밝혔다.", "study_started").happened is False


def test_linked_clause_takes_the_main_verb_tense() -> None:
    s = one("예타 면제가 확정되고 예산도 반영되면서 사업에 탄력이 붙었다.", "feasibility_exempted")
    assert s.happened is True


def test_negated_selection_is_a_setback_not_a_selection() -> None:
    s = one("광주는 이번 공모사업에 선정되지 못했다.", "selected_in_contest")
    assert s.negated is True and s.happened is True
    assert s.suggested_status == "stalled"


def test_negated_cancellation_under_purpose_is_no_news() -> None:
    s = one("사업이 무산되지 않도록 총력을 다하겠다.", "cancelled")
    assert s.negated is True
    assert s.happened is False
    assert s.suggested_status is None and s.broken_reason is None


def test_negation_in_a_later_clause_does_not_negate_the_event() -> None:
    s = one("유치가 수포로 돌아가자 시민들은 실망을 감추지 못했다.", "sited_elsewhere")
    assert s.negated is False and s.happened is True


def test_budget_not_secured_suggests_stalled() -> None:
    s = one("시는 올해 국비를 확보하지 못했다.", "budget_secured")
    assert s.negated is True and s.suggested_status == "stalled"


def test_another_region_chosen_breaks_the_pledge() -> None:
    s = one("정부는 센터 후보지로 전남 해남을 최종 낙점했다.", "sited_elsewhere")
    assert s.place == "해남"
    assert s.suggested_status == "broken" and s.broken_reason == "sited_elsewhere"


def test_our_region_chosen_is_progress() -> None:
    s = one("국토교통위원회는 시범도시 지역을 광주광역시로 지정했다.", "site_selected")
    assert s.place == "광주광역시"
    assert s.suggested_status == "in_progress"


def test_siting_without_region_terms_stays_neutral() -> None:
    s = one("정부는 센터 입지로 대구를 최종 선정했다.", "site_selected", region_terms=())
    assert s.place == "대구"


def test_lost_bid_is_sited_elsewhere_without_a_place() -> None:
    s = one("시의 국가센터 유치가 사실상 무산됐다.", "sited_elsewhere")
    assert s.place is None
    assert not [
        x for x in signals("시의 국가센터 유치가 사실상 무산됐다.") if x.kind == "cancelled"
    ]


def test_relative_dates_resolve_against_publication() -> None:
    s = one("시는 지난달 30일 착수보고회를 열었다.", "study_started")
    assert s.date == date(2025, 8, 30)
    s = one("센터는 내년 상반기 준공할 계획이다.", "completed_opened")
    assert (s.date, s.date_precision, s.happened) == (date(2026, 1, 1), "half", False)
    assert s.milestone_kind == "completion"


def test_relative_dates_without_publication_stay_unknown() -> None:
    assert one("센터가 지난 3일 착공했다.", "construction_started", published=None).date is None


def test_fiscal_year_is_not_the_event_date() -> None:
    s = one("시는 2026년도 예산으로 국비 300억원을 확보했다.", "budget_secured")
    assert s.date is None


def test_a_study_date_in_the_future_is_planned_whatever_the_verb() -> None:
    s = one("센터는 2027년 12월 완공된다.", "completed_opened")
    assert s.happened is False


def test_opening_milestone_kind() -> None:
    assert one("AI 교육원이 지난 1일 개원했다.", "completed_opened").milestone_kind == "opening"


def test_title_is_scanned_once() -> None:
    text = "광주 AI 사업 예타 면제 확정\n사업이 예타 면제 대상으로 확정됐다."
    both = extract_status_signals("광주 AI 사업 예타 면제 확정", text, published=PUB)
    assert [s.source for s in both] == ["text", "text"]
    alone = extract_status_signals("예타 면제 확정", "시는 다른 소식을 전했다.", published=PUB)
    assert [(s.source, s.start) for s in alone] == [("title", 0)]


def test_offsets_point_at_the_sentence_and_trigger() -> None:
    text = "첫 문장은 소식이다. 복합문화센터가 지난 3일 착공했다."
    (s,) = signals(text)
    assert text[s.start : s.end] == s.sentence
    assert text[s.trigger_start : s.trigger_end] == "착공"


def test_as_dict_is_json_ready() -> None:
    d = one("센터가 지난 3일 착공했다.", "construction_started").as_dict()
    assert d["date"] == "2025-09-03" and d["kind"] == "construction_started"


def test_plain_text_without_events_gives_nothing() -> None:
    assert (
        signals("시는 시민 의견을 듣는 토론회를 열었다. 참석자들은 다양한 제안을 내놓았다.") == []
    )


SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
words = st.sampled_from(
    "예타 면제 확정 됐다 착공 할 예정 무산 되지 않도록 광주 전남 로 선정 지난 3일 내년 상반기 "
    "예산 국비 확보 못했다 유치 실패 . , \n 공모 에 유찰 준공 2028년 ( ) '".split(" ")
)
korean_news_ish = st.lists(words, max_size=40).map(" ".join)


@SETTINGS
@given(
    title=st.one_of(st.text(max_size=80), korean_news_ish),
    text=st.one_of(st.text(max_size=400), korean_news_ish),
    published=st.one_of(st.none(), st.dates()),
)
def test_arbitrary_text_never_crashes_and_offsets_are_valid(
    title: str, text: str, published: date | None
) -> None:
    for s in extract_status_signals(title, text, region_terms=OURS, published=published):
        source = title if s.source == "title" else text
        assert 0 <= s.start <= s.trigger_start < s.trigger_end <= s.end <= len(source)
        assert source[s.start : s.end] == s.sentence
        assert s.kind in {k.value for k in SignalKind}
        assert (s.suggested_status == "broken") == (s.broken_reason is not None)
