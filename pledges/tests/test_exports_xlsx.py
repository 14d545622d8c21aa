"""XLSX downloads: numbers as numbers, 억 원 beside won, dates as dates, never a formula, built
before the first byte so an error is still a status code; and Korean headers, Korean filter
values and pandas, for the CSV and XLSX a newsroom opens."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from django.core.cache import cache
from django.http import FileResponse

from pledges import exports
from pledges.exports import glossary, xlsx
from pledges.models import Pledge
from pledges.tests.factories import BudgetFigureFactory, ConfirmedEvidenceFactory
from pledges.tests.test_exports import csv_rows, download, export_command, world  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = '=HYPERLINK("http://evil.example","클릭")'


def cars() -> Pledge:
    return Pledge.objects.get(slug="mobility-city")


def workbook(client, url: str) -> openpyxl.Workbook:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX_TYPE
    # Made now (streamed) or kept by the public cache since an earlier download of the test.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> list[dict]:
    header, *rows = sheet.iter_rows()
    names = [cell.value for cell in header]
    return [{name: cell for name, cell in zip(names, row, strict=True)} for row in rows]


# --- XLSX -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(exports.TABLES))
def test_every_table_downloads_as_xlsx_with_its_columns(client, table):
    response = client.get(f"/export/{table}.xlsx")
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    assert sheet.title == table
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    expected = []
    for column in exports.TABLES[table].columns:
        expected.append(column.name)
        if glossary.is_krw(column):
            expected.append(glossary.eok_header(column))
    assert headers == expected


def test_amounts_are_numbers_formatted_with_thousands_and_beside_them_eok(client):
    rows = sheet_rows(workbook(client, "/export/budget_figures.xlsx").active)
    planned = next(r for r in rows if r["stage"].value == "planned")
    assert planned["amount_krw"].value == 900_000_000_000
    assert planned["amount_krw"].data_type == "n"
    assert planned["amount_krw"].number_format == "#,##0"
    assert planned["amount_eok"].value == 9_000  # 9,000억 원
    assert planned["amount_eok"].number_format == "#,##0"
    secured = next(r for r in rows if r["stage"].value == "secured")
    assert secured["amount_eok"].value == 957


def test_a_part_of_an_eok_keeps_its_decimals(client):
    BudgetFigureFactory(pledge=cars(), amount_krw=12_345_000_000, stage="planned")
    rows = sheet_rows(workbook(client, "/export/budget_figures.xlsx?pledge=mobility-city").active)
    assert rows[0]["amount_eok"].value == pytest.approx(123.45)
    assert rows[0]["amount_eok"].number_format == "#,##0.####"


def test_pledge_money_columns_have_eok_columns_and_empty_stays_empty(client):
    rows = {
        r["pledge_slug"].value: r
        for r in sheet_rows(workbook(client, "/export/pledges.xlsx").active)
    }
    valley = rows["ax-valley"]
    assert valley["planned_krw"].value == 900_000_000_000
    assert valley["planned_eok"].value == 9_000
    assert rows["mobility-city"]["planned_krw"].value is None  # no figure, not 0
    assert rows["mobility-city"]["planned_eok"].value is None


def test_dates_are_dates_and_times_are_seoul_wall_clock(client):
    rows = sheet_rows(workbook(client, "/export/evidence.xlsx?pledge=ax-valley").active)
    assert rows[0]["published_on"].value == dt.datetime(2025, 6, 10)
    assert rows[0]["published_on"].is_date
    assert rows[0]["published_at"].value == dt.datetime(2025, 6, 10, 5, 30)
    rows = sheet_rows(workbook(client, "/export/status_changes.xlsx").active)
    assert rows[0]["effective_date"].is_date


def test_hostile_text_is_a_string_never_a_formula(client):
    ConfirmedEvidenceFactory(pledge=cars(), snippet=HOSTILE)
    content = download(client, "/export/evidence.xlsx?pledge=mobility-city")
    rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(content)).active)
    cell = next(r["snippet"] for r in rows if r["snippet"].value == HOSTILE)
    assert cell.data_type == "s"  # openpyxl reads formulas as type "f"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_header_row_is_bold_and_frozen(client):
    sheet = workbook(client, "/export/pledges.xlsx").active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in next(sheet.iter_rows(max_row=1)))


def test_korean_headers_in_xlsx(client):
    sheet = workbook(client, "/export/budget_figures.xlsx?headers=ko").active
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert headers[:8] == [
        "금액 ID",
        "공약 코드",
        "공약 주소명",
        "검토 상태",
        "단계",
        "재원",
        "금액 (원)",
        "금액 (억 원)",
    ]


def test_xlsx_shows_only_confirmed_rows(client):
    for table in exports.TABLES:
        content = download(client, f"/export/{table}.xlsx")
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text = archive.read("xl/worksheets/sheet1.xml").decode()
        for secret in ("검토 전", "비공개", ">hidden<", "2025-GJ-09"):
            assert secret not in text, (table, secret)
    rows = sheet_rows(workbook(client, "/export/budget_figures.xlsx").active)
    assert 1_000 not in [r["amount_krw"].value for r in rows]  # the suggested figure


def test_anonymous_xlsx_with_suggestions_is_refused(client):
    assert client.get("/export/evidence.xlsx?include=suggested").status_code == 403


def test_bad_filter_on_xlsx_is_a_400_before_any_byte(client):
    response = client.get("/export/evidence.xlsx?status=nearly")
    assert response.status_code == 400
    assert "status='nearly'" in response.content.decode()


def test_too_many_rows_for_a_worksheet_is_a_400_not_a_cut_workbook(client, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 1)
    response = client.get("/export/evidence.xlsx")
    assert response.status_code == 400
    assert "CSV" in response.content.decode()


def test_a_failure_while_building_is_an_error_status_not_a_truncated_file(client, monkeypatch):
    from django.db import OperationalError

    from pledges.exports.prepare import Export

    def rows(self):
        raise OperationalError("server closed the connection unexpectedly")
        yield  # pragma: no cover

    monkeypatch.setattr(Export, "rows", rows)
    client.raise_request_exception = False
    assert client.get("/export/evidence.xlsx").status_code == 500


def test_same_rows_same_day_same_bytes(client):
    first = download(client, "/export/pledges.xlsx")
    cache.clear()  # built again, not the file kept by the public cache
    assert download(client, "/export/pledges.xlsx") == first


# --- Korean headers (CSV, Python path; the COPY path: test_exports_copy.py) ------------------


def test_headers_ko_gives_korean_csv_column_names_and_the_same_values(client):
    english = download(client, "/export/budget_figures.csv")
    korean = download(client, "/export/budget_figures.csv?headers=ko")
    _english_header, english_body = english.split(b"\r\n", 1)
    korean_header, korean_body = korean.split(b"\r\n", 1)
    assert korean_body == english_body
    names = [glossary.korean_header(c) for c in exports.TABLES["budget_figures"].columns]
    assert korean_header.decode("utf-8-sig") == ",".join(names)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_command_with_korean_headers_gives_the_download(client, tmp_path, fmt):
    http = download(client, f"/export/budget_figures.{fmt}?headers=ko&funder=국비")
    command = export_command(
        tmp_path, "budget_figures", "--format", fmt, "--headers", "ko", "--funder", "국비"
    )
    assert command == http


def test_json_keeps_english_keys_with_headers_ko(client):
    assert download(client, "/export/evidence.json?headers=ko") == download(
        client, "/export/evidence.json"
    )


def test_every_column_has_a_unique_korean_header():
    for table in exports.TABLES.values():
        names = [glossary.korean_header(c) for c in table.columns]
        assert len(set(names)) == len(names), table.name


def test_budget_figures_carry_is_lower_bound(client):
    BudgetFigureFactory(
        pledge=cars(), amount_krw=2_000_000_000_000, stage="planned", is_lower_bound=True
    )
    rows = csv_rows(download(client, "/export/budget_figures.csv?pledge=mobility-city"))
    assert [r["is_lower_bound"] for r in rows] == ["true"]
    rows = csv_rows(download(client, "/export/budget_figures.csv?pledge=ax-valley"))
    assert {r["is_lower_bound"] for r in rows} == {"false"}


# --- pandas -----------------------------------------------------------------------------------


def test_pandas_reads_the_csv_with_numbers_as_numbers(client):
    frame = pd.read_csv(
        io.BytesIO(download(client, "/export/budget_figures.csv")), encoding="utf-8-sig"
    )
    assert list(frame.columns) == exports.TABLES["budget_figures"].column_names
    assert sorted(frame["amount_krw"].tolist()) == [95_700_000_000, 900_000_000_000]
    assert frame["amount_krw"].dtype.kind == "i"


def test_pandas_reads_the_korean_csv_and_the_xlsx(client):
    frame = pd.read_csv(
        io.BytesIO(download(client, "/export/pledges.csv?headers=ko")), encoding="utf-8-sig"
    )
    assert "공약 코드" in frame.columns
    assert set(frame["공약 코드"]) == {"2025-GJ-02", "2025-GJ-04"}
    sheet = pd.read_excel(io.BytesIO(download(client, "/export/pledges.xlsx")))
    assert set(sheet["pledge_code"]) == {"2025-GJ-02", "2025-GJ-04"}


# --- Filter values as pages show them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=보류·정체", "stalled"),
        ("status=보류·정체&status=이행 완료", "stalled"),
        ("status=Stalled", "stalled"),
        ("status=stalled", "stalled"),
    ],
)
def test_status_is_accepted_as_the_page_shows_it(client, query, code):
    rows = csv_rows(download(client, f"/export/pledges.csv?{query}"))
    assert {r["status"] for r in rows} == {code}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("funder=국비", {("secured", "national")}),
        ("stage=국회 확정", {("secured", "national")}),
        ("stage=확보 (국회 확정)", {("secured", "national")}),
        ("stage=총사업비", {("planned", "total")}),
        ("stage=planned&stage=secured", {("planned", "total"), ("secured", "national")}),
        ("funder=합계", {("planned", "total")}),
    ],
)
def test_budget_figures_filter_by_stage_and_funder_in_korean(client, query, expected):
    rows = csv_rows(download(client, f"/export/budget_figures.csv?{query}"))
    assert {(r["stage"], r["funder"]) for r in rows} == expected


def test_milestones_filter_by_kind_in_korean(client):
    rows = csv_rows(download(client, "/export/milestones.csv?kind=예비타당성조사"))
    assert [r["kind"] for r in rows] == ["feasibility_study"]
    assert csv_rows(download(client, "/export/milestones.csv?kind=준공")) == []


@pytest.mark.parametrize(
    ("url", "mentions"),
    [
        ("/export/pledges.csv?status=다됨", ["kept (이행 완료)", "stalled (보류·정체)"]),
        ("/export/budget_figures.xlsx?funder=세금", ["national (국비)", "private (민간)"]),
        ("/export/budget_figures.json?stage=아마", ["secured (확보 (국회 확정))"]),
    ],
)
def test_an_unknown_value_is_a_400_listing_the_accepted_values(client, url, mentions):
    response = client.get(url)
    assert response.status_code == 400
    message = response.content.decode()
    for mention in mentions:
        assert mention in message


def test_stage_and_funder_are_parameters_of_budget_figures_only(client):
    response = client.get("/export/evidence.csv?funder=국비")
    assert response.status_code == 400
    assert "funder" in response.content.decode()


def test_the_list_page_takes_korean_status_too(client):
    html = client.get("/pledges/", {"status": "보류·정체"}).content.decode()
    assert "2025-GJ-02" in html or "ax-valley" in html
    assert "mobility-city" not in html
