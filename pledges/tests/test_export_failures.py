"""Export errors are never a 200 with a truncated body: every parameter is checked before the
first byte, and a failure mid-stream aborts the response instead of ending the file."""

from __future__ import annotations

import itertools

import pytest
from django.db import OperationalError

from pledges import exports
from pledges.exports.prepare import Export
from pledges.tests.test_exports import world  # noqa: F401  (the shared fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]
CHILD_TABLES = ["evidence", "budget_figures", "status_changes", "milestones"]


@pytest.mark.parametrize("table", CHILD_TABLES)
@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("date_to=9999-12-31", "2100-12-31"),
        ("date_from=0001-01-01", "1900-01-01"),
        ("date_from=2025-01-01&date_to=9999-12-31", "2100-12-31"),
        ("updated_to=9999-12-31", "2100-12-31"),
        ("updated_from=0001-01-01", "1900-01-01"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_dates_at_the_ends_of_the_calendar_are_a_400_before_any_byte(
    client, table, query, bound, fmt
):
    response = client.get(f"/export/{table}.{fmt}?{query}")
    assert response.status_code == 400
    message = response.content.decode()
    assert query.split("=")[-2].split("&")[-1] in message and bound in message


def test_the_list_page_answers_an_out_of_range_date_with_its_error(client):
    response = client.get("/pledges/?updated_to=9999-12-31")
    assert response.status_code == 200
    assert "2100-12-31" in response.content.decode()


@pytest.fixture
def database_lost_after_one_row(monkeypatch):
    original = Export.rows

    def rows(self):
        yield from itertools.islice(original(self), 1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Export, "rows", rows)

    # On PostgreSQL a CSV is written by COPY, not from Export.rows: it loses the database too.
    from pledges.exports import prepare

    original_copy = prepare.stream_csv_copy

    def copy_then_lost(export, **options):
        stream = original_copy(export, **options)
        yield next(stream)  # the header
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(prepare, "stream_csv_copy", copy_then_lost)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_failure_mid_stream_is_not_the_end_of_the_file(
    client, database_lost_after_one_row, fmt, caplog
):
    response = client.get(f"/export/evidence.{fmt}")
    assert response.status_code == 200  # already sent when the database went away
    received = []
    with pytest.raises(OperationalError):
        for chunk in response.streaming_content:
            received.append(chunk)
    body = b"".join(received)
    # The client got the header (and a row at most): nothing that would close the file.
    assert not body.rstrip().endswith(b"]")
    assert b"error" not in body.lower()
    if fmt == "csv":
        assert body.count(b"\r\n") <= 2
    assert "failed mid-stream" in caplog.text


def test_the_command_fails_too_when_the_database_goes_away(database_lost_after_one_row):
    from django.core.management import call_command

    with pytest.raises(OperationalError):
        call_command("export", "evidence", "--format", "json", "-o", "/dev/null")


def test_prepare_refuses_what_a_filter_cannot_build():
    with pytest.raises(exports.ExportError, match="2100-12-31"):
        exports.prepare_export("evidence", {"date_to": "9999-12-31"})
