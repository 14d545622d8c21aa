"""The PostgreSQL COPY path of the CSV exports writes exactly the Python writer's bytes.

Every child table × several filter combinations, over rows chosen to be awkward: cells a
spreadsheet would run, quotes, commas, every kind of line break, empty strings next to NULLs,
Korean, and timestamps on both sides of midnight in Seoul (and in the years Seoul kept another
offset: +08:30, summer time +10:00, local mean time +08:27:52).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import connections

from pledges import exports
from pledges.exports import copy as copy_path
from pledges.exports.writers import stream_csv
from pledges.models import Milestone, Status, StatusChange
from pledges.review import record_status_change
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    CategoryFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
    PromiserFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SEOUL = ZoneInfo("Asia/Seoul")
AWKWARD_TEXTS = [
    '=HYPERLINK("http://evil.example","클릭")',
    "+82 62 123 4567",
    "-5억 원 삭감",
    "@광주",
    "\t탭으로 시작",
    "\r캐리지 리턴으로 시작",
    '따옴표 " 하나',
    '"전부 인용"',
    "쉼표, 두 개, 셋",
    "줄\n바꿈",
    "윈도\r\n줄바꿈",
    "맥\r줄바꿈",
    "끝에 줄바꿈\n",
    "  앞뒤 공백  ",
    "백슬래시 \\. 와 \\N",
    "\\.",
    "유니코드 줄 구분자\u2028와 NEL\x85",
    "'이미 작은따옴표",
    "",
    "광주 AI 집적단지 2단계",
]
# Around midnight in Seoul, and in the years Seoul had other offsets.
AWKWARD_TIMES = [
    dt.datetime(2025, 6, 9, 14, 59, 59, 999999, tzinfo=UTC),  # 23:59:59.999999 in Seoul
    dt.datetime(2025, 6, 9, 15, 0, 0, tzinfo=UTC),  # 00:00:00 the next day
    dt.datetime(2025, 12, 31, 15, 0, 1, tzinfo=UTC),  # New Year in Seoul, not yet in UTC
    dt.datetime(1988, 7, 1, 3, 0, tzinfo=UTC),  # summer time: +10:00
    dt.datetime(1960, 1, 1, 0, 0, tzinfo=UTC),  # +08:30
    dt.datetime(1900, 1, 1, 0, 0, tzinfo=UTC),  # local mean time: +08:27:52
    dt.datetime(2099, 1, 1, 0, 0, 30, tzinfo=UTC),
]


@pytest.fixture
def awkward_world(require_postgres):
    """Three published pledges and one unpublished, with awkward rows in every child table."""
    other = CategoryFactory(slug="mobility", name="모빌리티")
    city = PromiserFactory(slug="gwangju-city", name="광주광역시", role="")
    pledges = [
        PledgeFactory(code="2025-GJ-01", slug="ai-center", title="=국가AI컴퓨팅센터"),
        PledgeFactory(code="2025-GJ-02", slug="ax-valley", title='"AX실증밸리", 2단계'),
        PledgeFactory(code="2025-GJ-04", slug="mobility", category=other, promiser=city),
        PledgeFactory(code="2025-GJ-09", slug="hidden", is_published=False),
    ]
    texts = itertools.cycle(AWKWARD_TEXTS)
    times = itertools.cycle(AWKWARD_TIMES)
    confirmed, suggested = [], []
    for i in range(len(AWKWARD_TEXTS) + 3):
        pledge = pledges[i % len(pledges)]
        text = next(texts)
        article = ArticleFactory(
            title=text or f"제목 {i}",
            outlet=next(texts),
            byline=next(texts),
            # No URL (print pages), a URL, or only a canonical one.
            url="" if i % 3 == 0 else f'https://news.example.org/{i}?q="a,b"',
            canonical_url=None if i % 5 == 0 else f"https://news.example.org/c/{i}",
            published_at=None if i % 7 == 6 else next(times),
        )
        confirmed.append(
            ConfirmedEvidenceFactory(
                pledge=pledge,
                article=article,
                snippet=text,
                reviewed_at=next(times),  # suggested evidence has none: NULL cells
            )
        )
        # The same article suggested for the next pledge (one evidence row per article × pledge).
        suggested.append(
            EvidenceFactory(
                pledge=pledges[(i + 1) % len(pledges)], article=article, snippet=next(texts)
            )
        )

    for i, evidence in enumerate([*confirmed[:6], *suggested[:4], None, None]):
        pledge = evidence.pledge if evidence else pledges[i % 3]
        BudgetFigureFactory(
            pledge=pledge,
            stage=["planned", "secured", "executed"][i % 3],
            funder=["total", "national", "local", "private"][i % 4],
            amount_krw=[0, 1, 9_223_372_036_854_775_807, 95_700_000_000][i % 4],
            fiscal_year=None if i % 2 else 2020 + i,
            period_start_year=2020 if i % 3 == 0 else None,
            period_end_year=2029 if i % 3 == 0 else None,
            as_of=[dt.date(2025, 6, 10), dt.date(999, 1, 2), dt.date(9999, 12, 31)][i % 3],
            source_text=next(texts),
            note=next(texts),
            note_en=next(texts),
            evidence=evidence,
            state=["confirmed", "suggested"][i % 5 == 4],
        )
        Milestone.objects.create(
            pledge=pledge,
            kind="other",
            title=next(texts) or "제목",
            title_en=next(texts),
            planned_date=None if i % 4 == 0 else dt.date(2026, 1, 1) + dt.timedelta(days=i),
            actual_date=dt.date(2025, 6, 10) if i % 3 == 0 else None,
            note=next(texts),
            evidence=evidence,
        )

    for i, pledge in enumerate(pledges):
        own = [e for e in confirmed if e.pledge_id == pledge.pk]
        change = record_status_change(
            pledge=pledge,
            to_status=[Status.STALLED, Status.BROKEN][i % 2],
            broken_reason="other" if i % 2 else "",
            effective_date=dt.date(2025, 6, 9) + dt.timedelta(days=i),
            rationale=next(texts) or "근거",
            rationale_en=next(texts),
            evidence=own[:3],
        )
        # A link to evidence still in review (it must not show) and a correction.
        change.evidence.add(*[e for e in suggested if e.pledge_id == pledge.pk][:2])
        record_status_change(
            pledge=pledge,
            to_status=Status.IN_PROGRESS,
            effective_date=dt.date(2025, 6, 9) + dt.timedelta(days=i),
            rationale="정정",
            is_correction=True,
            correction_note=next(texts) or "정정",
        )
    for change, at in zip(StatusChange.objects.order_by("pk"), times, strict=False):
        StatusChange.objects.filter(pk=change.pk).update(recorded_at=at)
    return pledges


FILTERS = [
    {},
    {"status": ["stalled", "in_progress"]},
    {"q": "AX실증밸리"},
    {"category": "mobility"},
    {"pledge": "ax-valley"},
    {"date_from": "2025-06-10"},
    {"date_to": "2025-06-09", "promiser": "lee-jae-myung"},
    {"date_from": "2025-06-10", "date_to": "2025-06-10"},
    {"pledge": "hidden"},
]


def python_bytes(export, *, bom: bool) -> bytes:
    return b"".join(stream_csv(export.table.columns, export.rows(), bom=bom))


def copy_bytes(export, *, bom: bool) -> bytes:
    return b"".join(copy_path.stream_csv_copy(export, bom=bom))


@pytest.mark.parametrize("include_suggested", [False, True])
@pytest.mark.parametrize("table", sorted(copy_path.COPY_TABLES))
def test_copy_writes_the_python_writers_bytes_for_every_filter(
    awkward_world, table, include_suggested
):
    compared = 0
    for i, filters in enumerate(FILTERS):
        if table == "status_changes" and "date_from" in filters and "date_to" not in filters:
            filters = {**filters, "date_from": "2025-06-11"}
        bom = i % 2 == 0
        python = python_bytes(
            exports.prepare_export(table, filters, include_suggested=include_suggested), bom=bom
        )
        export = exports.prepare_export(table, filters, include_suggested=include_suggested)
        copied = copy_bytes(export, bom=bom)
        assert copied == python, (table, filters)
        records = list(csv.reader(io.StringIO(python.decode("utf-8-sig"), newline="")))
        assert export.stats.rows == len(records) - 1
        compared += export.stats.rows
    assert compared > 20  # the filters did not leave the comparison empty


KOREAN_FILTERS = {
    "evidence": [{"status": ["보류·정체", "추진 중"]}],
    "budget_figures": [{"funder": "국비"}, {"stage": ["국회 확정", "총사업비"]}, {}],
    "status_changes": [{"status": "Stalled"}],
    "milestones": [{"kind": "준공"}, {}],
}


@pytest.mark.parametrize("table", sorted(copy_path.COPY_TABLES))
def test_copy_writes_korean_headers_and_takes_korean_values_like_python(awkward_world, table):
    BudgetFigureFactory(
        pledge=awkward_world[0], amount_krw=2 * 10**12, stage="planned", is_lower_bound=True
    )
    for filters in KOREAN_FILTERS[table]:
        export = exports.prepare_export(table, filters)
        python = b"".join(stream_csv(export.table.columns, export.rows(), bom=True, korean=True))
        copied = b"".join(
            copy_path.stream_csv_copy(exports.prepare_export(table, filters), korean=True)
        )
        assert copied == python, (table, filters)
        header = python.decode("utf-8-sig").split("\r\n", 1)[0]
        assert header.startswith("금액 ID," if table == "budget_figures" else "")
        assert "pledge_code" not in header and "공약 코드" in header
    if table == "budget_figures":
        copied = b"".join(copy_path.stream_csv_copy(exports.prepare_export(table, {})))
        assert b",true," in copied  # is_lower_bound, written by PostgreSQL


def test_the_awkward_rows_reach_the_export(awkward_world):
    """The comparison above is only worth something if the awkward values are in the files."""
    content = copy_bytes(exports.prepare_export("evidence", {}), bom=False)
    text = content.decode("utf-8")
    assert '\'=HYPERLINK(""http://evil.example"",""클릭"")' in text
    assert "'\t탭으로 시작" in text
    assert '"윈도\r\n줄바꿈"' in text
    assert "2025-06-09T23:59:59+09:00" in text
    assert "2025-06-10T00:00:00+09:00" in text
    assert "1988-07-01T13:00:00+10:00" in text
    assert "1900-01-01T08:27:52+08:27:52" in text
    assert ",2025-06-10," in text  # the Seoul day of 2025-06-09 15:00 UTC


def test_on_postgresql_the_csv_download_goes_through_copy(awkward_world, client, monkeypatch):
    used = []
    original = copy_path.stream_csv_copy

    def spy(export, **options):
        used.append(export.table.name)
        return original(export, **options)

    monkeypatch.setattr("pledges.exports.prepare.stream_csv_copy", spy)
    response = client.get("/export/evidence.csv?status=stalled")
    body = b"".join(response.streaming_content)
    python = python_bytes(exports.prepare_export("evidence", {"status": ["stalled"]}), bom=True)
    assert used == ["evidence"]
    assert body == python
    client.get("/export/evidence.json")
    client.get("/export/pledges.csv")
    assert used == ["evidence"]  # JSON and the pledges table keep the Python writers


def test_copy_fills_in_every_column_of_the_spec(require_postgres):
    """A column added to a table's spec without its SQL fails loudly instead of shifting cells."""
    for table in copy_path.COPY_TABLES:
        sql, _ = copy_path.select_sql(exports.prepare_export(table, {}))
        assert sql.count('"copy_') == len(exports.TABLES[table].columns)


def test_copy_is_chosen_for_postgresql_only_and_not_for_the_pledges_table(db, monkeypatch):
    evidence = exports.prepare_export("evidence", {})
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    assert not copy_path.copy_applies(evidence)
    monkeypatch.setattr(connections["default"], "vendor", "postgresql")
    assert copy_path.copy_applies(evidence)
    assert not copy_path.copy_applies(exports.prepare_export("pledges", {}))


def test_copy_puts_the_session_time_zone_and_jit_back(awkward_world):
    """The COPY sets TimeZone and jit for itself only: later queries of the same transaction
    (Django keeps the session in UTC) see the session as it was."""
    from django.db import connection

    def session():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('TimeZone'), current_setting('jit')")
            return cursor.fetchone()

    before = session()
    b"".join(copy_path.stream_csv_copy(exports.prepare_export("evidence", {})))
    assert session() == before
