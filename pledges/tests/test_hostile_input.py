"""Hostile input, fuzzed with hypothesis: every public URL and every importer.

A public URL answers 2xx/3xx or a 4xx with a message, never a 5xx, and a 200 download is always a
whole, parseable file. An importer stores what is good and reports what is bad with a reason;
it never crashes. Examples are bounded (HYPOTHESIS_EXAMPLES) to keep CI within its budget.
"""

from __future__ import annotations

import csv
import io
import json
import os

import openpyxl
import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledges import exports
from pledges.ingest.errors import IngestError
from pledges.ingest.imports import IMPORT_FIELDS, store_article_file, store_newspaper_page
from pledges.ingest.sources import parse_feed
from pledges.ingest.text import decode_text_file
from pledges.tests.http_fixture import rss_feed

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values people (and scanners) type: Hangul, dates at the ends of the calendar, NUL and other
# control characters, SQL and template syntax, very long strings.
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "광주\x00",
        "9999-12-31",
        "0001-01-01",
        "2025-02-30",
        "-1",
        "1e309",
        "' OR 1=1 --",
        "{{ 7*7 }}",
        "<script>alert(1)</script>",
        "%00",
        "kept",
        "national-ai-computing-center",
        "gwangju",
        "ai-digital",
        "국가 AI",
        "가" * 3000,
    ]
)
VALUE = st.one_of(SPECIAL, st.text(st.characters(exclude_categories=["Cs"]), max_size=40))
PARAMETERS = [
    "q",
    "status",
    "promiser",
    "jurisdiction",
    "category",
    "pledge",
    "updated_from",
    "updated_to",
    "date_from",
    "date_to",
    "bom",
    "include",
    "page",
    "cursor",
    "page_size",
    "format",
    "agency",
    "budget_shortfall",
    "pledge_type",
]
QUERY = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8)), VALUE), max_size=5
)


def _query_string(pairs) -> str:
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    return query.urlencode()


def _assert_answer(response, path: str) -> None:
    assert response.status_code < 500, path
    if response.status_code >= 400:
        assert response.content.strip(), f"{path}: an error without a message"
        return
    if not getattr(response, "streaming", False):
        return
    body = b"".join(response.streaming_content)  # raises if the stream fails mid-way
    if path.split("?")[0].endswith(".json"):
        assert isinstance(json.loads(body), list), path
    elif path.split("?")[0].endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        assert next(sheet.iter_rows(max_row=1)), path  # opens, with its header row
    else:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert rows and all(len(row) == len(rows[0]) for row in rows), path


@FUZZ
@given(page=st.sampled_from(["/", "/en/", "/feed/", "/statuses/"]), pairs=QUERY)
def test_public_pages_with_any_query(client, demo_data, page, pairs):
    path = f"{page}?{_query_string(pairs)}"
    _assert_answer(client.get(path), path)


@FUZZ
@given(
    slug=st.one_of(
        st.sampled_from(["national-ai-computing-center", "ax-demonstration-valley"]),
        st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True),
    ),
    suffix=st.sampled_from(["", "feed/", "evidence/"]),
    pairs=QUERY,
)
def test_pledge_pages_and_feeds_with_any_slug(client, demo_data, slug, suffix, pairs):
    path = f"/pledges/{slug}/{suffix}?{_query_string(pairs)}"
    _assert_answer(client.get(path), path)


@FUZZ
@given(
    table=st.sampled_from([*exports.TABLES, "nope"]),
    fmt=st.sampled_from([*exports.FORMATS, "xlsx"]),
    pairs=QUERY,
)
def test_exports_with_any_parameters(client, demo_data, table, fmt, pairs):
    path = f"/export/{table}.{fmt}?{_query_string(pairs)}"
    _assert_answer(client.get(path), path)


@FUZZ
@given(
    path=st.sampled_from(
        [
            "/api/v1/",
            "/api/v1/pledges/",
            "/api/v1/status-changes/",
            "/api/v1/budget-figures/",
            "/api/v1/milestones/",
            "/api/v1/evidence/",
            "/api/v1/promisers/",
            "/api/v1/statuses/",
            "/api/v1/pledges/national-ai-computing-center/",
            "/api/v1/evidence/1/",
            "/api/v1/schema/",
        ]
    ),
    pairs=QUERY,
)
def test_api_with_any_parameters(client, demo_data, path, pairs):
    """The JSON API: a 4xx is JSON with a message, a 200 is whole JSON."""
    full = f"{path}?{_query_string(pairs)}"
    response = client.get(full)
    _assert_answer(response, full)
    if path != "/api/v1/schema/" or response.status_code >= 400:
        assert "json" in response["Content-Type"], full
        assert json.loads(response.content), full


# --- importers --------------------------------------------------------------------------------

FIELD_VALUE = st.one_of(
    SPECIAL,
    st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    st.sampled_from(["https://a.kr/1", "ftp://x", "http://[::1", "2025-06-10", "2025.06.10 09:30"]),
)
ROW = st.dictionaries(st.sampled_from([*IMPORT_FIELDS, "extra"]), FIELD_VALUE, max_size=6)


def _check_report(report) -> None:
    assert report.rows == len(report.results) + len(report.errors)
    for error in report.errors:
        assert error.line >= 1 and error.reason.strip()
    for result in report.results:
        article = result.article
        assert "\x00" not in article.body + article.title + article.outlet
        assert article.body.strip()


@FUZZ
@given(rows=st.lists(st.one_of(ROW, st.text(max_size=50)), max_size=6))
def test_jsonl_import_never_crashes(rows):
    lines = [json.dumps(r, ensure_ascii=False) if isinstance(r, dict) else r for r in rows]
    try:
        report = store_article_file("\n".join(lines).encode("utf-8"), fmt="jsonl")
    except IngestError as error:  # a file refused as a whole says why
        assert "not a text" in str(error)
        return
    _check_report(report)


@FUZZ
@given(rows=st.lists(st.lists(FIELD_VALUE, min_size=0, max_size=6), max_size=6))
def test_csv_import_never_crashes(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_FIELDS)
    writer.writerows(rows)
    try:
        report = store_article_file(buffer.getvalue().encode("utf-8"), fmt="csv")
    except IngestError as error:
        assert "not a text" in str(error)
        return
    _check_report(report)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)))
def test_newspaper_page_never_crashes(data):
    try:
        text = decode_text_file(data, what="page")
        results = store_newspaper_page(text=text, outlet="시험일보", published="2025-06-10")
    except IngestError as error:
        assert str(error).strip()
        return
    for result in results:
        assert "\x00" not in result.article.body


@FUZZ
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {"title": FIELD_VALUE, "link": FIELD_VALUE, "summary": FIELD_VALUE, "date": FIELD_VALUE}
        ),
        max_size=4,
    ),
    garbage=st.binary(max_size=200),
)
def test_feed_parsing_never_crashes(items, garbage):
    from pledges.ingest.errors import FeedError

    for body in (rss_feed("시험", items), garbage, rss_feed("시험", items)[: len(garbage)]):
        try:
            feed = parse_feed(body, url="https://feed.example.org/rss")
        except FeedError as error:
            assert "malformed" in str(error)
            continue
        for entry in feed.entries:
            assert entry.url and "\x00" not in entry.title + entry.summary
