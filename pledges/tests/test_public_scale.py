"""The public list at a national tracker's size: a search compares the pledges' keys once per
page, not once per query; a status filter counts without DISTINCT; and on PostgreSQL the list's
order and its counts come from the partial indexes of migration 0013 (figures: make bench-scale).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from pledges import filters, selectors
from pledges.models import Pledge, Status
from pledges.tests.factories import PledgeFactory
from pledges.tests.test_scale_indexes import _plan

pytestmark = pytest.mark.django_db

SLUG = re.compile(r'href="/pledges/(scale-test-\d+)/"')


@pytest.fixture
def pledges():
    titles = ["광주 AI 데이터센터", "광주 도시철도 2호선", "부산 AI 실증 밸리", "광주 AI 병원"]
    return [
        PledgeFactory(
            slug=f"scale-test-{n}",
            code=f"ST-{n}",
            title=title,
            is_published=n != 3,  # the last one is not public
            status=[Status.STALLED, Status.KEPT][n % 2],
            status_since=dt.date(2026, 1, 1 + n),
        )
        for n, title in enumerate(titles)
    ]


def shown(client, url: str) -> list[str]:
    """The pledges a list page shows, in its order."""
    return SLUG.findall(client.get(url).content.decode())


def test_a_search_compares_the_keys_once_and_finds_what_it_found_before(
    client, pledges, monkeypatch
):
    with CaptureQueriesContext(connection) as queries:
        listed = shown(client, "/pledges/?q=광주 AI")
    searching = [q["sql"] for q in queries if "LIKE" in q["sql"]]
    assert len(searching) == 1, searching  # count, tally, scoreboards and page read by id
    assert sorted(listed) == ["scale-test-0"]  # 광주 and AI, published

    # A search matching more than can be listed compares the keys in every query, alike.
    monkeypatch.setattr(filters, "SEARCH_IDS_LISTED", 0)
    with CaptureQueriesContext(connection) as queries:
        broad = shown(client, "/pledges/?q=광주 AI&sort=title")
    assert len([q for q in queries if "LIKE" in q["sql"]]) > 2
    assert broad == listed


def test_search_results_do_not_depend_on_how_they_are_read(client, pledges, monkeypatch):
    by_id = {q: shown(client, f"/pledges/?q={q}") for q in ["AI", "광주", "없는말", "2호선"]}
    monkeypatch.setattr(filters, "SEARCH_IDS_LISTED", 0)
    by_key = {q: shown(client, f"/pledges/?q={q}&sort=changed") for q in by_id}
    assert by_id == by_key
    assert by_id["AI"] == ["scale-test-2", "scale-test-0"]  # newest status first
    assert by_id["없는말"] == []


def test_a_status_filter_counts_without_distinct(client, pledges):
    with CaptureQueriesContext(connection) as queries:
        listed = shown(client, "/pledges/?status=stalled&status=kept")
    assert sorted(listed) == ["scale-test-0", "scale-test-1", "scale-test-2"]
    pledge_reads = [q["sql"] for q in queries if 'FROM "pledges_pledge"' in q["sql"]]
    assert pledge_reads and not any("DISTINCT" in sql for sql in pledge_reads)


def test_the_list_order_and_counts_are_read_from_partial_indexes(require_postgres, pledges):
    published = selectors.published_pledges()
    page = selectors.sorted_for_list(published, "changed")[:20]
    assert "pledge_public_changed" in _plan(page)
    assert "pledge_public_title" in _plan(selectors.sorted_for_list(published, "title")[:20])
    # By budget: the stored confirmed planned cost (none as 0), not a sum of every figure.
    by_budget = _plan(selectors.sorted_for_list(published, "budget")[:20])
    assert "pledge_public_budget" in by_budget and "budgetfigure" not in by_budget, by_budget
    tally = published.order_by().values("promiser_id", "status").annotate(n=Count("pk"))
    # With a handful of rows an index scan of any index costs about the same as reading the
    # covering one alone; the cost model picked either, depending on the table's statistics
    # left by earlier tests. Forbid plain index scans too: a covering index is then the only
    # cheap way, and without one the plan falls back to the (forbidden) sequential scan.
    plan = _plan(tally, "SET LOCAL enable_indexscan = off")
    assert "Index Only Scan using pledge_public_promiser_status" in plan, plan
    assert Pledge.objects.filter(is_published=False).exists()  # the partial indexes skip it
