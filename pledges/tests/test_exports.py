"""Open-data exports: correct, stable, safe and streamed; the command gives the HTTP bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import QuerySet
from django.http import QueryDict, StreamingHttpResponse

from pledges import exports
from pledges.exports import spec
from pledges.filters import PledgeFilter
from pledges.models import FigureState, Milestone, Pledge, ReviewState, Status
from pledges.review import record_status_change
from pledges.selectors import published_pledges
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    CategoryFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
    PromiserFactory,
)

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
TRICKY_TITLE = '광주 "AI 집적단지", 2단계\n사업 (AX실증밸리)'
TRICKY_SNIPPET = '국비 957억 원은 "아직" 확보되지 않았다,\r\n예타 면제도 합의되지 않았다.'


# --- Helpers --------------------------------------------------------------------------------


def download(client, url: str, **headers) -> bytes:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def export_command(tmp_path, *args: str) -> bytes:
    target = tmp_path / "out"
    call_command("export", *args, "-o", str(target), stderr=io.StringIO())
    return target.read_bytes()


@pytest.fixture
def world(db):
    """Two published pledges in different categories and statuses, one unpublished."""
    mobility = CategoryFactory(slug="mobility", name="모빌리티", name_en="Mobility")
    city = PromiserFactory(slug="gwangju-city", name="광주광역시", role="", kind="office")
    valley = PledgeFactory(code="2025-GJ-02", slug="ax-valley", title=TRICKY_TITLE)
    cars = PledgeFactory(code="2025-GJ-04", slug="mobility-city", category=mobility, promiser=city)
    hidden = PledgeFactory(code="2025-GJ-09", slug="hidden", is_published=False)

    published = dt.datetime(2025, 6, 9, 20, 30, tzinfo=dt.UTC)  # 2025-06-10 05:30 in Seoul
    article = ArticleFactory(
        title='광주일보, "AI" 2단계', outlet="광주일보", published_at=published
    )
    seen = ConfirmedEvidenceFactory(pledge=valley, article=article, snippet=TRICKY_SNIPPET)
    ConfirmedEvidenceFactory(pledge=cars, article=article)
    ConfirmedEvidenceFactory(
        pledge=cars, article=ArticleFactory(published_at=dt.datetime(2025, 7, 1, tzinfo=SEOUL))
    )
    EvidenceFactory(pledge=valley, article=ArticleFactory(title="검토 전 기사"), snippet="검토 전")
    ConfirmedEvidenceFactory(pledge=hidden, snippet="비공개 공약의 근거")

    record_status_change(
        pledge=valley,
        to_status=Status.STALLED,
        effective_date=dt.date(2025, 6, 10),
        rationale="국비 957억 원 미확보",
        evidence=[seen],
    )
    BudgetFigureFactory(pledge=valley, amount_krw=900_000_000_000, stage="planned", funder="total")
    BudgetFigureFactory(
        pledge=valley, amount_krw=95_700_000_000, stage="secured", funder="national"
    )
    BudgetFigureFactory(
        pledge=valley,
        amount_krw=1_000,
        stage="secured",
        funder="local",
        state=FigureState.SUGGESTED,
    )
    BudgetFigureFactory(pledge=hidden, amount_krw=5_000, stage="planned", funder="total")
    Milestone.objects.create(
        pledge=valley, kind="feasibility_study", title="예타 면제", planned_date=dt.date(2026, 3, 1)
    )
    Milestone.objects.create(pledge=hidden, kind="other", title="비공개 마일스톤")
    return {"valley": valley, "cars": cars, "hidden": hidden, "seen": seen}


# --- Interface ------------------------------------------------------------------------------


def test_every_table_downloads_in_both_formats_as_a_streamed_attachment(client, world):
    # XLSX, built before its first byte, has its own tests (test_exports_xlsx.py).
    for table in exports.TABLES:
        for fmt in ("csv", "json"):
            response = client.get(f"/export/{table}.{fmt}")
            assert response.status_code == 200
            assert isinstance(response, StreamingHttpResponse)
            today = dt.datetime.now(SEOUL).date().isoformat()
            filename = f"pledge-tracker-{table.replace('_', '-')}-{today}.{fmt}"
            assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
            assert response["Content-Type"].startswith(
                "text/csv" if fmt == "csv" else "application/json"
            )


def test_evidence_filename_follows_the_documented_pattern(world):
    export = exports.prepare_export("evidence", {})
    assert export.filename("csv", on=dt.date(2026, 11, 25)) == (
        "pledge-tracker-evidence-2026-11-25.csv"
    )


@pytest.mark.parametrize("url", ["/export/nope.csv", "/export/pledges.xls", "/export/pledges"])
def test_unknown_table_or_format_is_404(client, world, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("status=nearly", "status='nearly'"),
        ("promiser=nobody", "promiser='nobody'"),
        ("updated_from=yesterday", "updated_from='yesterday'"),
        ("date_from=2025-13-01", "date_from='2025-13-01'"),
        ("stauts=kept", "stauts"),
        ("bom=maybe", "bom"),
        ("include=everything", "include"),
        ("headers=fr", "headers"),
    ],
)
def test_invalid_filter_is_400_with_a_clear_message(client, world, query, mentions):
    response = client.get(f"/export/evidence.csv?{query}")
    assert response.status_code == 400
    assert mentions in response.content.decode()


def test_date_range_is_refused_on_the_pledges_table_which_has_no_own_date(client, world):
    response = client.get("/export/pledges.csv?date_from=2025-01-01")
    assert response.status_code == 400
    assert "updated_from" in response.content.decode()  # says what is accepted


@pytest.mark.parametrize("url", ["/export/catalogue.json", "/export/?format=json"])
def test_data_dictionary_lists_tables_and_columns(client, url):
    data = client.get(url).json()
    names = [t["name"] for t in data["tables"]]
    assert names == ["pledges", "evidence", "budget_figures", "status_changes", "milestones"]
    evidence = data["tables"][1]
    assert [c["name"] for c in evidence["columns"]] == exports.TABLES["evidence"].column_names
    assert all(c["description"] for t in data["tables"] for c in t["columns"])


def test_column_names_are_unique_snake_case_english():
    for table in exports.TABLES.values():
        names = table.column_names
        assert len(names) == len(set(names))
        assert all(name.isascii() and name == name.lower() and " " not in name for name in names)


# --- CSV shape --------------------------------------------------------------------------------


def test_csv_round_trips_korean_with_quotes_commas_and_newlines(client, world):
    rows = csv_rows(download(client, "/export/evidence.csv"))
    snippets = {
        row["pledge_slug"]: row["snippet"]
        for row in rows
        if row["snippet"] != "광주시가 시험 사업을 추진한다."
    }
    assert snippets == {"ax-valley": TRICKY_SNIPPET}
    titles = {row["article_title"] for row in rows}
    assert '광주일보, "AI" 2단계' in titles
    pledges = csv_rows(download(client, "/export/pledges.csv"))
    assert pledges[0]["title"] == TRICKY_TITLE


def test_csv_has_a_bom_by_default_and_none_with_bom_0(client, world):
    assert download(client, "/export/pledges.csv").startswith(b"\xef\xbb\xbfpledge_code,")
    assert download(client, "/export/pledges.csv?bom=0").startswith(b"pledge_code,")


def test_csv_records_end_with_crlf(client, world):
    content = download(client, "/export/milestones.csv?bom=0")
    assert content.endswith(b"\r\n")
    assert content.count(b"\n") == content.count(b"\r\n") == 2  # header and one milestone


def test_csv_quotes_as_rfc_4180(client, world):
    content = download(client, "/export/pledges.csv").decode("utf-8-sig")
    assert '"광주 ""AI 집적단지"", 2단계\n사업 (AX실증밸리)"' in content


def test_dates_are_iso_8601_in_seoul_time(client, world):
    rows = csv_rows(download(client, "/export/evidence.csv?pledge=ax-valley"))
    assert rows[0]["published_on"] == "2025-06-10"
    assert rows[0]["published_at"] == "2025-06-10T05:30:00+09:00"
    assert rows[0]["reviewed_at"].endswith("+09:00")


# --- CSV injection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_cells_that_spreadsheets_would_run_are_neutralised(client, world, dangerous):
    ConfirmedEvidenceFactory(pledge=world["cars"], snippet=dangerous)
    rows = csv_rows(download(client, "/export/evidence.csv?pledge=mobility-city"))
    assert "'" + dangerous in [row["snippet"] for row in rows]
    # JSON is not a spreadsheet: the data stay as they are.
    data = json.loads(download(client, "/export/evidence.json?pledge=mobility-city"))
    assert dangerous in [row["snippet"] for row in data]


def test_numbers_are_never_prefixed(world):
    columns = (
        spec.Column("amount_krw", spec.INTEGER, ""),
        spec.Column("secured_ratio", spec.DECIMAL, ""),
        spec.Column("note", spec.TEXT, ""),
    )
    content = b"".join(exports.stream_csv(columns, [(-5, -0.25, "-5")], bom=False))
    assert content == b"amount_krw,secured_ratio,note\r\n-5,-0.25,'-5\r\n"


# --- JSON shape -------------------------------------------------------------------------------


def test_json_is_an_array_of_objects_with_the_csv_columns(client, world):
    content = download(client, "/export/budget_figures.json")
    assert not content.startswith(b"\xef\xbb\xbf")
    data = json.loads(content)
    assert isinstance(data, list)
    assert list(data[0]) == exports.TABLES["budget_figures"].column_names
    assert {row["amount_krw"] for row in data} == {900_000_000_000, 95_700_000_000}
    assert all(isinstance(row["amount_krw"], int) for row in data)


def test_json_keeps_hangul_as_utf8_not_escapes(client, world):
    content = download(client, "/export/pledges.json")
    assert "광주".encode() in content
    assert b"\\u" not in content


def test_json_carries_null_numbers_and_booleans(client, world):
    data = json.loads(download(client, "/export/status_changes.json"))
    assert data[0]["is_correction"] is False
    assert data[0]["evidence_ids"] == str(world["seen"].pk)
    pledges = {p["pledge_slug"]: p for p in json.loads(download(client, "/export/pledges.json"))}
    assert pledges["mobility-city"]["planned_krw"] is None
    assert pledges["ax-valley"]["secured_ratio"] == pytest.approx(0.1063)


# --- Contents ---------------------------------------------------------------------------------


def test_pledge_row_has_totals_by_funder_ratio_and_evidence_count(client, world):
    rows = {r["pledge_slug"]: r for r in csv_rows(download(client, "/export/pledges.csv"))}
    valley = rows["ax-valley"]
    assert valley["status"] == "stalled"
    assert valley["status_since"] == "2025-06-10"
    assert valley["planned_krw"] == "900000000000"
    assert valley["planned_national_krw"] == ""  # only a total was stated
    assert valley["secured_krw"] == "95700000000"
    assert valley["secured_national_krw"] == "95700000000"
    assert valley["secured_local_krw"] == ""  # the suggested figure is not public
    assert valley["secured_ratio"] == "0.1063"
    assert valley["evidence_count"] == "1"  # confirmed only
    assert valley["page_url"].endswith("/pledges/ax-valley/")
    assert rows["mobility-city"]["evidence_count"] == "2"
    assert rows["mobility-city"]["promiser_name"] == "광주광역시"


def test_pledge_row_flags_parts_that_do_not_add_up_to_the_total(client, world):
    pledge = world["cars"]
    for funder, amount in [
        ("total", 426_900_000_000),
        ("national", 304_500_000_000),
        ("local", 85_000_000_000),
        ("private", 67_400_000_000),
    ]:
        BudgetFigureFactory(pledge=pledge, amount_krw=amount, stage="executed", funder=funder)
    row = next(
        r
        for r in csv_rows(download(client, "/export/pledges.csv"))
        if r["pledge_slug"] == pledge.slug
    )
    assert row["executed_krw"] == "426900000000"  # the stated total, not the sum
    assert row["executed_national_krw"] == "304500000000"
    assert row["budget_mismatch"] == "executed"


def test_page_url_is_the_korean_page_whatever_the_request_language(client, world, settings):
    settings.SITE_URL = "https://pledges.example.kr/"
    content = download(client, "/export/pledges.json")
    cache.clear()  # made again, not the file kept by the public cache
    assert download(client, "/export/pledges.json", HTTP_ACCEPT_LANGUAGE="en") == content
    urls = {row["page_url"] for row in json.loads(content)}
    assert "https://pledges.example.kr/pledges/ax-valley/" in urls


@pytest.mark.parametrize("table", list(exports.TABLES))
def test_unpublished_pledges_are_in_no_table(client, world, table):
    data = json.loads(download(client, f"/export/{table}.json"))
    assert data, table
    assert "hidden" not in {row["pledge_slug"] for row in data}


def test_budget_figures_are_confirmed_only(client, world):
    data = json.loads(download(client, "/export/budget_figures.json"))
    assert {row["state"] for row in data} == {"confirmed"}
    assert 1_000 not in {row["amount_krw"] for row in data}


# --- Anonymous and editors --------------------------------------------------------------------


def test_suggested_evidence_never_reaches_an_anonymous_export(client, world):
    for fmt in ("csv", "json"):  # XLSX: test_exports_xlsx.py
        content = download(client, f"/export/evidence.{fmt}").decode("utf-8-sig")
        assert "검토 전" not in content
        assert ReviewState.SUGGESTED not in content


def test_anonymous_asking_for_suggestions_is_refused(client, world):
    response = client.get("/export/evidence.csv?include=suggested")
    assert response.status_code == 403
    assert "editor" in response.content.decode()


def test_editor_gets_suggestions_only_when_asking(client, world, editor):
    client.force_login(editor)
    plain = json.loads(download(client, "/export/evidence.json"))
    assert {row["state"] for row in plain} == {"confirmed"}
    response = client.get("/export/evidence.json?include=suggested")
    assert response["Cache-Control"] == "private, no-store"
    rows = json.loads(b"".join(response.streaming_content))
    assert {row["state"] for row in rows} == {"confirmed", "suggested"}
    figures = json.loads(download(client, "/export/budget_figures.json?include=suggested"))
    assert 1_000 in {row["amount_krw"] for row in figures}


def test_logged_in_non_staff_user_is_not_an_editor(client, world, django_user_model):
    client.force_login(django_user_model.objects.create_user("reader", password="pw-reader-1"))
    assert client.get("/export/evidence.csv?include=suggested").status_code == 403


# --- Filters: the page and its download agree -------------------------------------------------

PARITY_QUERIES = [
    "",
    "status=stalled",
    "status=stalled&status=not_rated",
    "category=mobility",
    "promiser=gwangju-city",
    "jurisdiction=gwangju",
    "pledge=ax-valley",
    "q=집적단지",
    "updated_from=2025-06-01&updated_to=2025-06-30",
]


@pytest.mark.parametrize("query", PARITY_QUERIES)
def test_pledge_rows_are_the_list_page_filter_rows(client, world, query):
    expected = list(
        PledgeFilter(QueryDict(query), queryset=published_pledges()).qs.values_list(
            "slug", flat=True
        )
    )
    rows = csv_rows(download(client, f"/export/pledges.csv?{query}"))
    assert [row["pledge_slug"] for row in rows] == expected
    assert client.get(f"/pledges/?{query}").status_code == 200  # the list page takes the same query


@pytest.mark.parametrize("query", PARITY_QUERIES)
@pytest.mark.parametrize("table", ["evidence", "budget_figures", "status_changes", "milestones"])
def test_child_rows_belong_to_the_filtered_pledges(client, world, query, table):
    slugs = set(
        PledgeFilter(QueryDict(query), queryset=published_pledges()).qs.values_list(
            "slug", flat=True
        )
    )
    model = exports.get_table(table).own_filter._meta.model
    expected = model.objects.filter(pledge__slug__in=slugs)
    if table == "evidence":
        expected = expected.filter(state=ReviewState.CONFIRMED)
    if table == "budget_figures":
        expected = expected.filter(state=FigureState.CONFIRMED)
    rows = json.loads(download(client, f"/export/{table}.json?{query}"))
    assert sorted(row[exports.get_table(table).column_names[0]] for row in rows) == sorted(
        expected.values_list("pk", flat=True)
    )


def test_evidence_date_range_is_inclusive_in_seoul_days(client, world):
    def dates(query):
        rows = csv_rows(download(client, f"/export/evidence.csv?{query}"))
        return sorted({row["published_on"] for row in rows})

    # Published 2025-06-09 20:30 UTC, which is 2025-06-10 in Seoul.
    assert "2025-06-10" in dates("date_from=2025-06-10&date_to=2025-06-10")
    assert dates("date_to=2025-06-09") == []
    assert dates("date_from=2025-06-11&date_to=2025-07-01") == ["2025-07-01"]


def test_milestone_date_range_uses_the_actual_date_when_reached(client, world):
    Milestone.objects.create(
        pledge=world["cars"],
        kind="opening",
        title="개소",
        planned_date=dt.date(2024, 1, 1),
        actual_date=dt.date(2026, 5, 1),
    )
    rows = json.loads(download(client, "/export/milestones.json?date_from=2026-04-01"))
    assert sorted(row["title"] for row in rows) == ["개소"]
    rows = json.loads(download(client, "/export/milestones.json?date_to=2025-01-01"))
    assert rows == []


# --- The command gives the HTTP bytes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "query", "arguments"),
    [
        ("pledges", "", []),
        (
            "pledges",
            "status=stalled&status=not_rated",
            ["--status", "stalled", "--status", "not_rated"],
        ),
        ("evidence", "category=ai-digital", ["--category", "ai-digital"]),
        ("evidence", "date_from=2025-06-10&bom=0", ["--date-from", "2025-06-10", "--no-bom"]),
        ("budget_figures", "pledge=ax-valley", ["--pledge", "ax-valley"]),
        ("status_changes", "promiser=lee-jae-myung", ["--promiser", "lee-jae-myung"]),
        ("milestones", "q=집적단지", ["--q", "집적단지"]),
    ],
)
@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_command_output_is_byte_identical_to_http(
    client, world, tmp_path, table, query, arguments, fmt
):
    http = download(client, f"/export/{table}.{fmt}?{query}")
    command = export_command(tmp_path, table, "--format", fmt, *arguments)
    assert command == http


def test_command_with_suggestions_matches_the_editor_download(client, world, editor, tmp_path):
    client.force_login(editor)
    http = download(client, "/export/evidence.csv?include=suggested")
    assert export_command(tmp_path, "evidence", "--include-suggested") == http


def test_command_writes_to_stdout(world):
    out = io.StringIO()
    call_command("export", "milestones", "--no-bom", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("milestone_id,pledge_code,")


def test_command_rejects_an_invalid_filter(world, tmp_path):
    with pytest.raises(CommandError, match="status='nearly'"):
        export_command(tmp_path, "pledges", "--status", "nearly")
    with pytest.raises(CommandError, match="date_from"):
        export_command(tmp_path, "pledges", "--date-from", "2025-01-01")


# --- Streaming --------------------------------------------------------------------------------


def test_first_chunk_comes_before_the_rows_are_exhausted():
    read = []

    def rows():
        for i in range(100_000):
            read.append(i)
            yield (i, f"기사 {i}")

    columns = (spec.Column("n", spec.INTEGER, ""), spec.Column("t", spec.TEXT, ""))
    for stream in (exports.stream_csv(columns, rows()), exports.stream_json(columns, rows())):
        read.clear()
        next(stream)
        assert read == []  # the header leaves before any row is read
        next(stream)
        assert 0 < len(read) < 100_000
        assert sum(1 for _ in stream) > 1


def test_view_streams_the_header_first_then_the_rows(client, world):
    response = client.get("/export/evidence.csv")
    stream = iter(response.streaming_content)
    header = next(stream)
    assert (
        header
        == b"\xef\xbb\xbf" + ",".join(exports.TABLES["evidence"].column_names).encode() + b"\r\n"
    )
    assert len(csv_rows(header + b"".join(stream))) == 3


def test_evidence_rows_come_from_a_chunked_server_side_iterator(world, monkeypatch):
    chunk_sizes = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    # JSON: the Python writer on every database (CSV on PostgreSQL goes through COPY).
    b"".join(exports.prepare_export("evidence", {}).stream("json"))
    assert chunk_sizes == [spec.CHUNK_ROWS]


def test_stats_count_the_rows_written(world):
    export = exports.prepare_export("evidence", {})
    b"".join(export.stream("json"))
    assert export.stats.rows == 3


# --- The Gwangju demo -------------------------------------------------------------------------


def test_demo_exports_all_four_pledges_with_the_phase_1_mismatch(client, demo_data):
    rows = {r["pledge_slug"]: r for r in csv_rows(download(client, "/export/pledges.csv"))}
    assert len(rows) == 4
    phase_1 = rows["ai-cluster-phase-1"]
    assert phase_1["executed_krw"] == "426900000000"
    assert phase_1["executed_national_krw"] == "304500000000"
    assert "executed" in phase_1["budget_mismatch"]
    assert all(row["evidence_count"] == "1" for row in rows.values())
    evidence = csv_rows(download(client, "/export/evidence.csv"))
    assert {row["article_title"] for row in evidence} == {demo_data.article.title}
    assert {row["outlet"] for row in evidence} == {"광주일보"}
    assert len(evidence) == 4


def test_demo_command_and_http_agree(client, demo_data, tmp_path):
    for table in exports.TABLES:
        http = download(client, f"/export/{table}.csv?category=ai-digital")
        assert export_command(tmp_path, table, "--category", "ai-digital") == http


def test_no_unpublished_pledge_sneaks_through_the_pledge_filter(world):
    assert not Pledge.objects.filter(
        is_published=False, slug__in=[r[1] for r in exports.prepare_export("pledges", {}).rows()]
    ).exists()


@pytest.mark.parametrize("table", list(exports.TABLES))
def test_json_exports_follow_their_published_schema(client, world, table):
    import jsonschema

    schema = json.loads(client.get(f"/export/{table}.schema.json").content)
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(download(client, f"/export/{table}.json"))
    assert data, f"the test world should give {table} rows"
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [error.message for error in validator.iter_errors(data)]
    assert errors == []


def test_schema_refuses_a_row_that_breaks_it(client, world):
    import jsonschema

    schema = json.loads(client.get("/export/budget_figures.schema.json").content)
    row = json.loads(download(client, "/export/budget_figures.json"))[0]
    row["amount_krw"] = "4269억원"  # amounts are integers, never text
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([row], schema)
    assert client.get("/export/nothing.schema.json").status_code == 404
