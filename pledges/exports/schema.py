"""The data dictionary (/export/) and each table's JSON Schema, made from the table specs."""

from __future__ import annotations

from typing import Any

from pledges.exports.prepare import CONTROL_PARAMETERS, filter_parameters
from pledges.exports.spec import BOOLEAN, DATE, DATETIME, DECIMAL, FORMATS, INTEGER, TEXT
from pledges.exports.tables import TABLES

_JSON_TYPES = {
    TEXT: {"type": ["string", "null"]},
    INTEGER: {"type": ["integer", "null"]},
    DECIMAL: {"type": ["number", "null"]},
    BOOLEAN: {"type": ["boolean", "null"]},
    DATE: {"type": ["string", "null"], "format": "date"},
    DATETIME: {"type": ["string", "null"], "format": "date-time"},
}


def json_schema(table_name: str) -> dict[str, Any]:
    """JSON Schema (2020-12) of a table's JSON export: an array of objects with every column."""
    table = TABLES[table_name]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"/export/{table.name}.schema.json",
        "title": f"Pledge Tracker: {table.name}",
        "description": table.description,
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                c.name: {**_JSON_TYPES[c.kind], "description": c.description} for c in table.columns
            },
            "required": table.column_names,
            "additionalProperties": False,
        },
    }


def data_dictionary() -> dict[str, Any]:
    """The tables, their columns and parameters, as served at /export/ and written in the README."""
    return {
        "formats": list(FORMATS),
        "tables": [
            {
                "name": table.name,
                "description": table.description,
                "urls": [f"/export/{table.name}.{fmt}" for fmt in FORMATS],
                "json_schema": f"/export/{table.name}.schema.json",
                "parameters": [*filter_parameters(table), *CONTROL_PARAMETERS],
                "columns": [
                    {"name": c.name, "type": c.kind, "description": c.description}
                    for c in table.columns
                ],
            }
            for table in TABLES.values()
        ],
    }
