"""Indexes for a national tracker's database: the queries they exist for really use them
(PostgreSQL; the figures at 1,000,000 articles are in ``make bench-scale``)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from pledges.admin.evidence import EvidenceAdmin
from pledges.models import Evidence, ReviewState
from pledges.tests.factories import EvidenceFactory


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
