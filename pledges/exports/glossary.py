"""What a reader needs beside a column's English name: its Korean header, its unit and an example.

Kept apart from tables.py (which says what a column holds and how its rows are read) so that the
table definitions stay readable; `pledges/tests/test_export_page.py` checks that every column of
every table has its Korean header here, so the page, `?headers=ko` and the spec cannot drift.

The Korean headers are part of the file format (`?headers=ko`), not a translation of the page:
they are the same whatever language the request is in, hence plain strings, not gettext.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pledges.exports.spec import BOOLEAN, DATE, DATETIME, DECIMAL, INTEGER, Column

# Korean names of the money columns of the pledges table: "<stage> <funder> (원)".
_STAGE_KO = {"planned": "총사업비", "secured": "확보액", "executed": "집행액"}
_FUNDER_KO = {
    "national": "국비",
    "metropolitan": "시비",
    "district": "구비",
    "local": "지방비",
    "private": "민간",
    "other": "기타",
}

KOREAN_HEADERS: dict[str, str] = {
    "pledge_code": "공약 코드",
    "pledge_slug": "공약 주소명",
    "title": "제목",
    "title_en": "영문 제목",
    "promiser_slug": "공약 주체 ID",
    "promiser_name": "공약 주체",
    "jurisdiction_slug": "지역 ID",
    "jurisdiction_name": "지역",
    "category_slug": "분야 ID",
    "category_name": "분야",
    "parent_pledge_code": "상위 공약 코드",
    "pledge_type": "공약 유형",
    "status": "이행 상태",
    "status_since": "상태 변경일",
    "made_on": "공약일",
    "target_date": "목표일",
    "last_checked_on": "최종 확인일",
    "feasibility_study": "예비타당성조사",
    "responsible_agency": "담당 기관",
    "secured_ratio": "재정확보율",
    "budget_mismatch": "재원 합계 불일치",
    "evidence_count": "근거 기사 수",
    "page_url": "공약 페이지",
    "evidence_id": "근거 ID",
    "state": "검토 상태",
    "method": "연결 방식",
    "article_id": "기사 ID",
    "article_url": "기사 URL",
    "article_title": "기사 제목",
    "outlet": "언론사",
    "byline": "기자",
    "published_on": "보도일",
    "published_at": "보도 시각",
    "snippet": "근거 문장",
    "reviewed_at": "확인 시각",
    "figure_id": "금액 ID",
    "stage": "단계",
    "funder": "재원",
    "amount_krw": "금액 (원)",
    "is_lower_bound": "하한 여부 (이상)",
    "fiscal_year": "회계연도",
    "period_start_year": "시작 연도",
    "period_end_year": "종료 연도",
    "as_of": "기준일",
    "source_text": "원문 표기",
    "note": "메모",
    "note_en": "영문 메모",
    "status_change_id": "상태 변경 ID",
    "effective_date": "적용일",
    "from_status": "이전 상태",
    "to_status": "변경 상태",
    "broken_reason": "파기 사유",
    "rationale": "판단 근거",
    "rationale_en": "영문 판단 근거",
    "is_correction": "정정 여부",
    "correction_note": "정정 내용",
    "recorded_at": "기록 시각",
    "evidence_ids": "근거 ID 목록",
    "milestone_id": "단계 일정 ID",
    "kind": "종류",
    "planned_date": "예정일",
    "actual_date": "달성일",
}
for _stage, _stage_ko in _STAGE_KO.items():
    KOREAN_HEADERS[f"{_stage}_krw"] = f"{_stage_ko} 합계 (원)"
    for _funder, _funder_ko in _FUNDER_KO.items():
        KOREAN_HEADERS[f"{_stage}_{_funder}_krw"] = f"{_stage_ko} {_funder_ko} (원)"

# One plausible value per column, as it appears in the CSV (not real data).
EXAMPLES: dict[str, str] = {
    "pledge_code": "2025-GJ-01",
    "pledge_slug": "ai-cluster-phase-2",
    "title": "인공지능 집적단지 2단계",
    "title_en": "AI cluster, phase 2",
    "promiser_slug": "lee-jae-myung",
    "promiser_name": "대통령 이재명",
    "jurisdiction_slug": "gwangju",
    "jurisdiction_name": "광주광역시",
    "category_slug": "ai-digital",
    "category_name": "인공지능·디지털",
    "parent_pledge_code": "2025-GJ-00",
    "pledge_type": "project",
    "status": "in_progress",
    "status_since": "2025-06-10",
    "made_on": "2025-05-20",
    "target_date": "2029-12-31",
    "last_checked_on": "2025-06-12",
    "feasibility_study": "pending",
    "responsible_agency": "과학기술정보통신부",
    "secured_ratio": "0.25",
    "budget_mismatch": "planned",
    "evidence_count": "3",
    "page_url": "https://tracker.example.org/pledges/ai-cluster-phase-2/",
    "evidence_id": "42",
    "state": "confirmed",
    "method": "auto",
    "article_id": "1234",
    "article_url": "https://news.example.kr/article/1234",
    "article_title": "인공지능 2단계 사업, 국비 확보가 관건",
    "outlet": "광주일보",
    "byline": "홍길동 기자",
    "published_on": "2025-06-10",
    "published_at": "2025-06-10T06:00:00+09:00",
    "snippet": "2단계 사업비 가운데 국비는 아직 확보되지 않았다.",
    "reviewed_at": "2025-06-11T09:30:00+09:00",
    "figure_id": "7",
    "stage": "secured",
    "funder": "national",
    "amount_krw": "95700000000",
    "is_lower_bound": "false",
    "fiscal_year": "2026",
    "period_start_year": "2025",
    "period_end_year": "2029",
    "as_of": "2025-06-10",
    "source_text": "957억원",
    "note": "국비 확보 전",
    "note_en": "Before national funding",
    "status_change_id": "5",
    "effective_date": "2025-06-10",
    "from_status": "not_started",
    "to_status": "in_progress",
    "broken_reason": "national_funding_not_secured",
    "rationale": "예산이 반영되어 사업이 시작되었다.",
    "rationale_en": "Budget reflected, work started.",
    "is_correction": "false",
    "correction_note": "평가일을 바로잡음",
    "recorded_at": "2025-06-11T10:00:00+09:00",
    "evidence_ids": "42;43",
    "milestone_id": "3",
    "kind": "completion",
    "planned_date": "2026-12-31",
    "actual_date": "2025-12-01",
}
for _stage in _STAGE_KO:
    EXAMPLES[f"{_stage}_krw"] = "900000000000"
    for _funder in _FUNDER_KO:
        EXAMPLES[f"{_stage}_{_funder}_krw"] = "95700000000"

KRW_UNIT = _("KRW (원), integer")
_UNITS = {
    DATE: _("date, YYYY-MM-DD"),
    DATETIME: _("date and time, ISO 8601 in Seoul time (+09:00)"),
    DECIMAL: _("fraction (0.25 = 25%)"),
    BOOLEAN: _("true or false"),
}
_YEAR_COLUMNS = {"fiscal_year", "period_start_year", "period_end_year"}
_COUNT_COLUMNS = {"evidence_count"}


def is_krw(column: Column) -> bool:
    """An amount in integer won: shown with thousands separators and an 억 원 column in XLSX."""
    return column.kind == INTEGER and column.name.endswith("_krw")


def korean_header(column: Column) -> str:
    return KOREAN_HEADERS[column.name]


def header(column: Column, *, korean: bool = False) -> str:
    return korean_header(column) if korean else column.name


def eok_header(column: Column, *, korean: bool = False) -> str:
    """The name of the 억 원 column that XLSX puts beside an amount in won."""
    if korean:
        return korean_header(column).replace("(원)", "(억 원)")
    return column.name.removesuffix("_krw") + "_eok"


def unit(column: Column):
    """The unit a column is in, for the page (lazy: in the language of the request)."""
    if is_krw(column):
        return KRW_UNIT
    if column.name in _YEAR_COLUMNS:
        return _("year")
    if column.name in _COUNT_COLUMNS:
        return _("count")
    if column.kind == INTEGER:
        return _("id (integer)")
    return _UNITS.get(column.kind, _("text"))


def example(column: Column) -> str:
    return EXAMPLES.get(column.name, "")
