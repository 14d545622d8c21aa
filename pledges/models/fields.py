"""Model fields of the project's own."""

from __future__ import annotations

from django.db import models


class WonSumField(models.DecimalField):
    """A sum of whole-won amounts: an ``int`` in Python, NUMERIC(30, 0) in the database.

    Each budget figure fits a bigint, but a sum of figures need not (a figure may hold any
    bigint, and the parts of a stage are added up). NUMERIC keeps every sum exact where a bigint
    column would refuse the write, and Python reads it back as an integer like the amounts it
    sums, never a Decimal.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 30)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else int(value)
