"""Pages of the review queue at any size (admin/paging.py): a page costs the same number of
queries however many rows it shows, the rows are counted only as far as the pages in reach
and the count says so, and every page keeps the queue's order to the last tie."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.admin.evidence import EvidenceAdmin
from pledges.admin.paging import CappedCountPaginator
from pledges.models import BudgetFigure, Evidence, FigureState, ReviewState, SignalSuggestion
from pledges.tests.factories import ConfirmedEvidenceFactory, EvidenceFactory, PledgeFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/pledges/evidence/?state__exact=suggested"
EVERY_STATE = "/admin/pledges/evidence/?method__exact=auto"

AMOUNTS = [
    {
        "krw": 95_700_000_000,
        "funder": "national",
        "stage": "secured",
        "budget": True,
        "text": "957억 원",
        "sentence": "실증밸리 국비 957억 원이 국회에서 확정됐다.",
    },
    {
        "krw": 30_000_000_000,
        "funder": "national",
        "stage": "government_proposal",
        "budget": True,
        "text": "300억 원",
        "sentence": "정부안에 국비 300억 원이 담겼다.",
    },
]


def _signal(evidence, **fields) -> SignalSuggestion:
    return SignalSuggestion.objects.create(
        pledge=evidence.pledge,
        evidence=evidence,
        kind="construction_started",
        sentence="광주시는 지난 2일 실증밸리를 착공했다.",
        start=0,
        trigger="착공",
        date=dt.date(2026, 3, 2),
        happened=True,
        suggested_status="in_progress",
        milestone_kind="groundbreaking",
        **fields,
    )


def _rows_of_every_kind(editor) -> None:
    """A suggestion with budget amounts and a signal, a confirmed row with a decided figure
    and a decided signal, a rejected row with its reason."""
    waiting = EvidenceFactory(amounts=AMOUNTS)
    _signal(waiting)
    done = ConfirmedEvidenceFactory(reviewer=editor, amounts=AMOUNTS)
    BudgetFigure.objects.create(
        pledge=done.pledge,
        evidence=done,
        amount_krw=95_700_000_000,
        stage="secured",
        funder="national",
        as_of=dt.date(2026, 3, 2),
        state=FigureState.CONFIRMED,
        confirmed_by=editor,
        confirmed_at=timezone.now(),
    )
    _signal(
        done,
        state="rejected",
        reviewer=editor,
        reviewed_at=timezone.now(),
        reject_reason="날짜 오류",
    )
    EvidenceFactory(
        state=ReviewState.REJECTED,
        reviewer=editor,
        reviewed_at=timezone.now(),
        reject_reason="다른 지역",
    )


def _queries(desk, url: str) -> int:
    desk.get(url)  # caches of the first request (permissions, content types) filled
    with CaptureQueriesContext(connection) as captured:
        response = desk.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_a_page_costs_the_same_queries_however_many_rows_it_shows(desk, desk_editor):
    _rows_of_every_kind(desk_editor)
    few = _queries(desk, EVERY_STATE)
    assert len(desk.get(EVERY_STATE).context["cl"].result_list) == 3
    for _ in range(3):
        _rows_of_every_kind(desk_editor)
    page = desk.get(EVERY_STATE)
    assert len(page.context["cl"].result_list) == 12
    # Every column of every kind of row drawn, without a query of its own.
    html = page.content.decode()
    assert "다른 지역" in html and "날짜 오류" in html and "957억 원" in html
    assert _queries(desk, EVERY_STATE) == few


def test_the_count_stops_at_the_pages_in_reach_and_says_so(desk, monkeypatch):
    monkeypatch.setattr(EvidenceAdmin, "list_per_page", 2)
    monkeypatch.setattr(EvidenceAdmin, "list_max_show_all", 2)
    monkeypatch.setattr(CappedCountPaginator, "count_step", 4)
    EvidenceFactory.create_batch(7)

    with CaptureQueriesContext(connection) as captured:
        first = desk.get(QUEUE)
    # Page 1 reaches page 2: counted up to 4 rows, one more to know there are more.
    counts = [q["sql"] for q in captured.captured_queries if "SELECT COUNT(*) FROM" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 5" in counts[0]
    html = first.content.decode()
    assert "4+ 근거 기사" in html
    assert "총 4+개가 선택되었습니다." in html and "4+개의 근거 기사 모두를 선택합니다." in html
    assert "결과 4+개 나옴" in html
    assert first.context["cl"].paginator.num_pages == 2

    # From page 2 the next step is in reach: the whole queue, counted exactly.
    second = desk.get(QUEUE + "&p=2")
    assert "7 근거 기사" in second.content.decode()
    assert second.context["cl"].paginator.num_pages == 4
    last = desk.get(QUEUE + "&p=4")
    assert len(last.context["cl"].result_list) == 1


def test_rows_alike_in_day_score_and_time_come_newest_id_first_on_every_page(desk, monkeypatch):
    monkeypatch.setattr(EvidenceAdmin, "list_per_page", 2)
    pledge = PledgeFactory()
    rows = EvidenceFactory.create_batch(5, pledge=pledge, score=0.7)
    Evidence.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=timezone.now())
    shown = []
    for page in (1, 2, 3):
        shown += list(desk.get(f"{QUEUE}&p={page}").context["cl"].result_list)
    assert [e.pk for e in shown] == sorted((r.pk for r in rows), reverse=True)


def test_a_column_header_still_sorts_the_queue(desk):
    low, high, middle = (EvidenceFactory(score=s) for s in (0.55, 0.95, 0.75))
    score_column = EvidenceAdmin.list_display.index("score_column") + 1  # after the checkbox
    ascending = desk.get(f"{QUEUE}&o={score_column}").context["cl"].result_list
    descending = desk.get(f"{QUEUE}&o=-{score_column}").context["cl"].result_list
    assert list(ascending) == [low, middle, high]
    assert list(descending) == [high, middle, low]
