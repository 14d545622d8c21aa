"""Columns that store what a rule computes from other rows (a pledge's money totals from its
confirmed figures, an evidence's count of open budget amounts), kept in step one way.

Every write that can change the inputs calls ``refresh`` with the rows it touched, in its
transaction; ``recount`` computes every row again in batches by primary key (a migration's
backfill, the recount commands, an archive restore, the bench seed). Both take the rows as a
queryset (that of a historical model in a migration) and ``stale_rows``: given a batch of rows,
those whose stored values are not the rule's, with the right values set but not saved.

The rows are locked before their inputs are read: two writers of one row store one after the
other, the second seeing the first's committed write, so the last value stored is the value of
what was committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import QuerySet

BATCH = 1000  # rows per read, per read of their inputs and per UPDATE

StaleRows = Callable[[list], list]


@transaction.atomic
def refresh(rows: QuerySet, fields: list[str], stale_rows: StaleRows, ids: Iterable) -> int:
    """Store again the values of the rows ``ids`` (None and unknown ids are skipped); returns
    how many rows changed."""
    ids = sorted({pk for pk in ids if pk is not None})
    changed = 0
    for start in range(0, len(ids), BATCH):
        batch = rows.select_for_update().filter(pk__in=ids[start : start + BATCH]).order_by("pk")
        changed += _store(rows, fields, stale_rows(list(batch)))
    return changed


def recount(
    rows: QuerySet, fields: list[str], stale_rows: StaleRows, *, write: bool = True
) -> tuple[int, int]:
    """Compute every row of ``rows`` again; returns (rows read, rows that were wrong). With
    ``write`` false nothing is written (and nothing locked)."""
    read = wrong = 0
    last = 0
    while True:
        with transaction.atomic():  # locked as ``refresh`` locks: no lost update
            batch = rows.filter(pk__gt=last)
            if write:
                batch = batch.select_for_update()
            found = list(batch.order_by("pk")[:BATCH])
            if not found:
                return read, wrong
            last = found[-1].pk
            read += len(found)
            stale = stale_rows(found)
            wrong += _store(rows, fields, stale) if write else len(stale)


def _store(rows: QuerySet, fields: list[str], stale: list) -> int:
    if stale:
        rows.model.objects.bulk_update(stale, fields)
    return len(stale)
