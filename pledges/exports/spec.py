"""What an export is made of: columns with their kind, tables, and the error users see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import django_filters

if TYPE_CHECKING:
    from pledges.exports.prepare import Export


FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_ROWS = 2000  # rows fetched per round trip from the server-side cursor

TEXT, INTEGER, DECIMAL, BOOLEAN, DATE, DATETIME = (
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
)


class ExportError(ValueError):
    """A request the export cannot serve; the message is shown to the user (HTTP 400)."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class ExportTable:
    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Export], Iterator[tuple]]
    own_filter: type[django_filters.FilterSet] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class ExportStats:
    rows: int = 0
