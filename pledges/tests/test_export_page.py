"""The /export/ page for reporters, in Korean and English: every table and column from the spec,
links that carry the filters; and the download links of the list and pledge pages."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.utils import translation

from pledges import exports
from pledges.exports import glossary
from pledges.tests.test_exports import world  # noqa: F401  (the shared fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    return html_lib.unescape(response.content.decode())


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.mark.parametrize(("url", "language"), [("/export/", "ko"), ("/en/export/", "en")])
def test_page_lists_every_table_and_column_with_meaning_unit_and_example(client, url, language):
    html = page(client, url)
    assert f'<html lang="{language}">' in html
    for table in exports.TABLES.values():
        assert f'id="table-{table.name}"' in html
        for column in table.columns:
            assert f'id="{table.name}-{column.name}"' in html
            assert glossary.korean_header(column) in html
            with translation.override(language):
                assert translation.gettext(column.description) in html, column.name
                assert str(glossary.unit(column)) in html
            if glossary.example(column):
                assert glossary.example(column) in html


def test_korean_page_is_in_korean_and_english_page_in_english(client):
    korean = page(client, "/export/")
    assert "데이터 내려받기" in korean
    assert "한글 제목." in korean  # a column's meaning, translated
    assert "원 (정수)" in korean  # a unit
    english = page(client, "/en/export/")
    assert "Data downloads" in english
    assert "Title in Korean." in english


def test_every_column_meaning_has_a_korean_translation():
    """A column added to the spec without its Korean meaning would show English to Korean
    readers of the page."""
    with translation.override("ko"):
        for table in exports.TABLES.values():
            assert translation.gettext(table.description) != table.description, table.name
            for column in table.columns:
                assert translation.gettext(column.description) != column.description, (
                    table.name,
                    column.name,
                )


def test_every_column_has_a_korean_header_and_an_example():
    for table in exports.TABLES.values():
        for column in table.columns:
            assert glossary.korean_header(column)
            assert glossary.example(column), column.name


def test_links_carry_the_filters_and_each_table_only_the_ones_it_takes(client):
    html = page(client, "/export/?status=stalled&date_from=2025-06-01")
    links = hrefs(html)
    for fmt in exports.FORMATS:
        assert f"/export/evidence.{fmt}?status=stalled&date_from=2025-06-01" in links
        # The pledges table has no date of its own: it would refuse date_from.
        assert f"/export/pledges.{fmt}?status=stalled" in links
    assert "<code>status=stalled</code>" in html


def test_english_page_links_the_same_file_addresses(client):
    links = hrefs(page(client, "/en/export/?status=kept"))
    assert "/export/pledges.xlsx?status=kept" in links
    assert not [link for link in links if link.startswith("/en/export/pledges.")]


def test_korean_status_value_is_passed_on_as_given_and_every_link_works(client):
    html = page(client, "/export/?status=보류·정체")
    link = next(h for h in hrefs(html) if h.startswith("/export/pledges.csv"))
    response = client.get(link)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "2025-GJ-02" in body and "2025-GJ-04" not in body


def test_headers_ko_is_carried_to_csv_and_xlsx_links(client):
    html = page(client, "/export/?headers=ko&pledge=ax-valley")
    links = hrefs(html)
    assert "/export/budget_figures.csv?headers=ko&pledge=ax-valley" in links
    assert "/export/budget_figures.xlsx?headers=ko&pledge=ax-valley" in links
    assert "JSON" in html and "headers=en" in html  # the switch back


def test_a_bad_filter_is_a_400_page_that_says_what_is_accepted(client):
    html = page(client, "/export/?status=다됨", status=400)
    assert "status='다됨'" in html
    assert "kept (이행 완료)" in html
    # No link passes the bad value on.
    assert not [h for h in hrefs(html) if "다됨" in h]


def test_an_unknown_parameter_is_reported(client):
    html = page(client, "/export/?stauts=kept", status=400)
    assert "stauts" in html


def test_the_page_lists_the_accepted_filter_values(client):
    html = page(client, "/export/")
    for code in ("kept", "national", "secured", "completion"):
        assert f"<code>{code}</code>" in html
    assert "이행 완료" in html and "국비" in html


def test_language_switch_goes_between_the_two_pages(client):
    assert 'href="/en/export/"' in page(client, "/export/")
    assert 'href="/export/"' in page(client, "/en/export/")


def test_catalogue_json_is_still_there_for_programs(client):
    data = client.get("/export/catalogue.json").json()
    assert [t["name"] for t in data["tables"]] == list(exports.TABLES)
    assert "xlsx" in data["formats"]
    assert "headers" in data["tables"][0]["parameters"]


# --- Download links on the list and pledge pages ----------------------------------------------


def test_list_page_links_xlsx_and_the_export_page_with_its_filters(client):
    links = hrefs(page(client, "/pledges/?status=stalled&sort=title"))
    assert "/export/pledges.xlsx?status=stalled" in links
    assert "/export/?status=stalled" in links  # sort is not a filter


def test_pledge_page_has_a_download_panel_for_each_table(client):
    html = page(client, "/pledges/ax-valley/")
    panel = html[html.index('id="downloads"') :]
    links = hrefs(panel)
    for table in ("evidence", "budget_figures", "status_changes", "milestones", "pledges"):
        for fmt in ("csv", "xlsx", "json"):
            assert f"/export/{table}.{fmt}?pledge=ax-valley" in links
    assert "예산 금액" in panel and "상태 변경" in panel


def test_pledge_panel_links_download_only_this_pledge(client):
    html = page(client, "/en/pledges/ax-valley/")
    link = next(h for h in hrefs(html) if h.startswith("/export/evidence.csv"))
    body = b"".join(client.get(link).streaming_content).decode("utf-8-sig")
    assert "ax-valley" in body and "mobility-city" not in body
