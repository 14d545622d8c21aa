"""Indexes for a national tracker's database: the queries they exist for really use them
(PostgreSQL; the figures at 1,000,000 articles are in ``make bench-scale``)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pledges.admin.evidence import EvidenceAdmin
from pledges.models import Evidence, ReviewState
from pledges.tests.factories import ConfirmedEvidenceFactory, EvidenceFactory


def _plan(queryset, *settings: str) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Only a few rows here: forbid the scans a big table would not get, to see which
        # index the planner can use for this query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for setting in settings:
            cursor.execute(setting)
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_the_review_queue_is_read_in_the_admins_order_from_its_index(require_postgres):
    for _ in range(3):
        EvidenceFactory(state=ReviewState.SUGGESTED)
    queue = (
        Evidence.objects.filter(state=ReviewState.SUGGESTED)
        .select_related("article", "pledge")
        .order_by(*EvidenceAdmin.ordering)[:50]
    )
    plan = _plan(queue)
    assert "evidence_queue_by_day" in plan, plan
    assert "Sort" not in plan.split("evidence_queue_by_day")[0], plan


def _explain(sql: str) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _page_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("view", "index"),
    [
        ("waiting=yes", "evidence_desk_order"),
        ("waiting=budget", "evidence_desk_order"),
        ("state__exact=confirmed", "evidence_desk_order"),
        ("state__exact=suggested", "evidence_queue_by_day"),
    ],
)
def test_every_view_of_the_desk_reads_its_page_in_order_from_an_index(
    require_postgres, admin_client, view, index
):
    """The page's ids are read from an index in the queue's order to the last tie and stopped
    after a page, never sorted (33,000 waiting rows sorted per page load at national size)."""
    for _ in range(3):
        EvidenceFactory(state=ReviewState.SUGGESTED)
        ConfirmedEvidenceFactory(amounts=[{"krw": 1_000_000_000, "stage": "secured"}])
    queries = _page_queries(admin_client, f"/admin/pledges/evidence/?{view}")
    (page,) = [sql for sql in queries if sql.startswith('SELECT "pledges_evidence"."id" AS')]
    plan = _explain(page)
    assert index in plan, plan
    assert "Sort" not in plan.split(index)[0], plan


@pytest.mark.django_db
def test_the_pledge_filter_counts_the_waiting_from_its_index_alone(require_postgres, admin_client):
    """COUNT(*), not of the id: the (state, pledge) index answers without the table."""
    for _ in range(3):
        EvidenceFactory(state=ReviewState.SUGGESTED)
    queries = _page_queries(admin_client, "/admin/pledges/evidence/?waiting=yes")
    (busiest,) = [sql for sql in queries if 'AS "waiting"' in sql and "pledge_id" in sql]
    plan = _explain(busiest)
    assert "Index Only Scan" in plan, plan
