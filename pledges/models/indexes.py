"""Indexes of the project's own."""

from __future__ import annotations

import copy

from django.db import models
from django.db.models.expressions import OrderBy


class PortableIndex(models.Index):
    """An index that may order NULLs (``F(...).desc(nulls_last=True)``) on PostgreSQL and still
    be created on SQLite, the embedded default of ``make run``.

    SQLite refuses NULLS FIRST/LAST in CREATE INDEX ("unsupported use of NULLS LAST"); there the
    clause is left out. An index is only a way to read rows in an order, so the results are the
    same either way, and SQLite's own order already puts NULLs last when descending, as the
    pages ask.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite" or not self.expressions:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = copy.copy(self)
        plain.expressions = tuple(_without_nulls_order(e) for e in self.expressions)
        return models.Index.create_sql(plain, model, schema_editor, using=using, **kwargs)


def _without_nulls_order(expression):
    if isinstance(expression, OrderBy) and (expression.nulls_first or expression.nulls_last):
        return OrderBy(expression.expression, descending=expression.descending)
    return expression
