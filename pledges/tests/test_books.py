"""Pledge books: reading the file, planning, importing once (and again: nothing changes), the
command. The admin upload is in test_admin_books.py."""

from __future__ import annotations

import datetime as dt
import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pledges import trail
from pledges.books import apply as book_apply
from pledges.books.apply import ALL, import_book
from pledges.books.parse import BookFileError, parse_book, parse_budget, parse_date
from pledges.books.plan import CHANGE, CREATE, ERROR, UNCHANGED, plan_book
from pledges.models import (
    BudgetFigure,
    BudgetStage,
    FigureState,
    Funder,
    Pledge,
    PledgeBookVersion,
)
from pledges.tests.factories import (
    CategoryFactory,
    JurisdictionFactory,
    PledgeFactory,
    PromiserFactory,
)

DOCS = Path(settings.BASE_DIR) / "docs"
HYPOTHESIS_EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "40"))

HEADER = (
    "공약번호,공약자,지역,분야,공약명,공약 원문,출처 문서,쪽,상위 공약,목표 시점,공약 예산,별칭\n"
)
ROWS = (
    "M-01,김빛나,광주광역시,모빌리티,순환 트램 1호선 건설,도심 순환 트램 1호선을 놓겠습니다.,"
    '시장 공약집,4,,2029-06,"9,000억 원",빛고을 트램\n'
    "M-02,김빛나,광주광역시,모빌리티,트램 정류장 공영자전거 연계,트램 정류장마다 공영자전거를 두겠습니다.,"
    "시장 공약집,5,M-01,2029,,\n"
    "M-03,김빛나,광주광역시,돌봄,24시간 어린이 병원 유치,밤에도 문을 여는 어린이 병원을 유치하겠습니다.,"
    "시장 공약집,9,,2027년 12월,120억,\n"
)
CSV = HEADER + ROWS


@pytest.fixture
def world(db):
    JurisdictionFactory()
    CategoryFactory(slug="mobility", name="모빌리티", name_en="Mobility")
    CategoryFactory(slug="care", name="돌봄", name_en="Care")
    return PromiserFactory(
        slug="kim-bitna", name="김빛나", name_en="Kim Bit-na", role="광주광역시장", role_en="Mayor"
    )


# --- reading --------------------------------------------------------------------------------


def test_reads_utf8_csv_with_korean_headers():
    book = parse_book(CSV.encode("utf-8"), "book.csv")
    assert book.encoding == "utf-8"
    assert [r.number for r in book.rows] == [2, 3, 4]
    first = book.rows[0]
    assert first.values["title"] == "순환 트램 1호선 건설"
    assert first.values["target_date"] == dt.date(2029, 6, 30)
    assert first.values["budget_pledged"] == 900_000_000_000
    assert first.values["aliases"] == ["빛고을 트램"]


def test_reads_excel_utf8_with_bom_and_cp949_alike():
    plain = parse_book(CSV.encode("utf-8"), "book.csv")
    with_bom = parse_book(b"\xef\xbb\xbf" + CSV.encode("utf-8"), "book.csv")
    korean_excel = parse_book(CSV.encode("cp949"), "book.csv")
    assert korean_excel.encoding == "cp949"
    assert [r.values for r in with_bom.rows] == [r.values for r in plain.rows]
    assert [r.values for r in korean_excel.rows] == [r.values for r in plain.rows]


def test_reads_json_and_yaml_with_english_keys():
    items = [
        {
            "title": "순환 트램 1호선 건설",
            "promiser": "kim-bitna",
            "target_date": "2029-06",
            "budget_pledged": 900000000000,
            "keywords": ["트램", "노면전차"],
        }
    ]
    as_json = parse_book(json.dumps({"pledges": items}, ensure_ascii=False).encode(), "b.json")
    as_yaml = parse_book(
        "pledges:\n  - title: 순환 트램 1호선 건설\n    promiser: kim-bitna\n"
        "    target_date: 2029-06\n    budget_pledged: 900000000000\n"
        "    keywords: [트램, 노면전차]\n".encode(),
        "b.yaml",
    )
    assert as_json.rows[0].values == as_yaml.rows[0].values
    assert as_json.rows[0].values["keywords"] == ["트램", "노면전차"]
    assert as_json.format == "json" and as_yaml.format == "yaml"


def test_yaml_is_read_safely():
    with pytest.raises(BookFileError) as caught:
        parse_book(b"- !!python/object/apply:os.system ['echo hi']\n", "evil.yaml")
    assert caught.value.problem.code == "bad_format"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.csv", "empty"),
        (b"\xff\xfe\x00t\x00i", "utf16.csv", "encoding"),
        (b"PK\x03\x04", "book.xlsx", "spreadsheet"),
        ("공약자,지역\n김빛나,광주\n".encode(), "no-title.csv", "missing_columns"),
        ("공약명,공약명\n가,나\n".encode(), "twice.csv", "duplicate_column"),
        ("공약명\n".encode(), "header-only.csv", "no_rows"),
        (b'{"title": "x"}', "object.json", "not_a_list"),
        (b"[1, 2", "broken.json", "bad_format"),
        (b"x" * 1_000_001, "huge.csv", "too_big"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(data, name, code):
    with pytest.raises(BookFileError) as caught:
        parse_book(data, name)
    assert caught.value.problem.code == code


def test_bad_cells_are_problems_of_their_row():
    text = "공약명,목표 시점,공약 예산\n가 공약,2029-13-01,\n나 공약,,많이\n,2028,\n다 공약,2028,1조,여분\n"
    rows = parse_book(text.encode(), "b.csv").rows
    assert [[p.code for p in r.problems] for r in rows] == [
        ["bad_date"],
        ["bad_budget"],
        ["required"],
        ["extra_cells"],
    ]


def test_dates_and_amounts_as_pledge_books_write_them():
    assert parse_date("2028.12.31.") == dt.date(2028, 12, 31)
    assert parse_date("2028년 2월") == dt.date(2028, 2, 29)
    assert parse_date("2030년까지") == dt.date(2030, 12, 31)
    assert parse_date("내년") is None
    assert parse_budget("9,000억 원") == 900_000_000_000
    assert parse_budget("1조 2천억") == 1_200_000_000_000
    assert parse_budget("900,000,000,000") == 900_000_000_000
    assert parse_budget("많이") is None


def test_the_shipped_samples_read_alike():
    csv_book = parse_book((DOCS / "pledge_book_sample.csv").read_bytes(), "s.csv")
    json_book = parse_book((DOCS / "pledge_book_sample.json").read_bytes(), "s.json")
    assert [r.values for r in csv_book.rows] == [r.values for r in json_book.rows]


# --- planning and importing -------------------------------------------------------------------


def test_plan_lists_new_pledges_field_by_field_and_writes_nothing(world):
    plan = plan_book(CSV.encode(), "b.csv")
    assert plan.is_valid, [r.errors for r in plan.rows]
    assert [r.action for r in plan.rows] == [CREATE, CREATE, CREATE]
    changes = {c.field: c.after for c in plan.rows[0].changes}
    assert changes["title"] == "순환 트램 1호선 건설"
    assert changes["budget_pledged"] == "9000억원"
    assert changes["target_date"] == "2029-06-30"
    assert {c.field: c.after for c in plan.rows[1].changes}["parent"] == "순환 트램 1호선 건설"
    assert Pledge.objects.count() == 0


def test_import_creates_pledges_with_parent_budget_and_trail(world, editor):
    before = PledgeBookVersion.objects.values_list("version", flat=True).first() or 0
    result = import_book(plan=plan_book(CSV.encode(), "b.csv"), editor=editor)
    assert (result.created, result.changed, result.unchanged) == (3, 0, 0)
    tram = Pledge.objects.get(code="M-01")
    bikes = Pledge.objects.get(code="M-02")
    assert bikes.parent == tram
    assert tram.promiser == world and tram.category.slug == "mobility"
    assert tram.original_text == "도심 순환 트램 1호선을 놓겠습니다."
    assert tram.source_document == "시장 공약집" and tram.source_page == "4"
    assert tram.match_aliases == ["빛고을 트램"]
    figure = BudgetFigure.objects.get(pledge=tram)
    assert (figure.stage, figure.funder, figure.amount_krw) == (
        BudgetStage.PLEDGED,
        Funder.TOTAL,
        900_000_000_000,
    )
    assert figure.state == FigureState.CONFIRMED and figure.source_text == "9,000억 원"
    assert trail.trail_of(tram)[0]["action"] == "create"
    assert PledgeBookVersion.objects.get().version > before


def test_reimporting_the_same_file_changes_nothing(world, editor):
    import_book(plan=plan_book(CSV.encode(), "b.csv"), editor=editor, accept_terms=ALL)
    again = plan_book(CSV.encode(), "b.csv")
    assert [r.action for r in again.rows] == [UNCHANGED] * 3
    result = import_book(plan=again, editor=editor, accept_terms=ALL)
    assert (result.created, result.changed, result.unchanged) == (0, 0, 3)
    assert Pledge.objects.count() == 3 and BudgetFigure.objects.count() == 2


def test_a_changed_row_updates_its_pledge_and_the_trail(world, editor, monkeypatch):
    import_book(plan=plan_book(CSV.encode(), "b.csv"), editor=editor)
    changed = CSV.replace("2029-06", "2030-12").replace('"9,000억 원"', "1조 원")
    changed = changed.replace("빛고을 트램\n", "빛고을 트램; 광주 트램\n")
    queued = []
    monkeypatch.setattr(book_apply.review, "rematch_pledge_after_commit", queued.append)
    plan = plan_book(changed.encode(), "b.csv")
    assert [r.action for r in plan.rows] == [CHANGE, UNCHANGED, UNCHANGED]
    assert {c.field: (c.before, c.after) for c in plan.rows[0].changes} == {
        "target_date": ("2029-06-30", "2030-12-31"),
        "aliases": ("빛고을 트램", "빛고을 트램; 광주 트램"),
        "budget_pledged": ("9000억원", "1조원"),
    }
    result = import_book(plan=plan, editor=editor)
    assert (result.created, result.changed, result.unchanged) == (0, 1, 2)
    tram = Pledge.objects.get(code="M-01")
    assert tram.target_date == dt.date(2030, 12, 31)
    assert BudgetFigure.objects.get(pledge=tram).amount_krw == 10**12
    entry = trail.trail_of(tram)[-1]
    assert entry["action"] == "edit" and entry["user"] == editor
    assert entry["before"]["target_date"] == "2029-06-30"
    assert queued == [tram.pk]  # the terms changed: recent articles are matched again


def test_rows_match_stored_pledges_by_promiser_and_title_without_code(world, editor):
    PledgeFactory(promiser=world, title="24시간 어린이 병원 유치", code="OLD-9")
    text = "공약자,지역,공약명,목표 시점\n김빛나,광주,24시간 어린이 병원 유치,2027\n"
    plan = plan_book(text.encode(), "b.csv")
    assert plan.rows[0].action == CHANGE
    assert plan.rows[0].pledge.code == "OLD-9"


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("공약자,지역,공약명\n박없음,광주,가 공약\n", "is not known"),
        ("공약자,지역,공약명\n김빛나,광주,가 공약\n김빛나,광주,가 공약\n", "already in row 2"),
        ("공약자,지역,공약명,상위 공약\n김빛나,광주,가 공약,없는 공약\n", "no pledge"),
        ("공약자,지역,공약명,출처 URL\n김빛나,광주,가 공약,not a url\n", "source URL"),
        ("공약자,지역,공약명,목표 시점\n김빛나,광주,가 공약,13월\n", "is not a date"),
        ("공약자,공약명\n김빛나,가 공약\n", "Required columns are missing"),
    ],
)
def test_invalid_rows_are_reported_and_nothing_is_written(world, editor, csv_text, message):
    with translation.override("en"):
        plan = plan_book(csv_text.encode(), "b.csv")
        texts = plan.file_errors + [m for r in plan.rows for m in r.errors]
    assert not plan.is_valid
    assert any(message in t for t in texts), texts
    with pytest.raises(Exception, match="nothing was imported"):
        with translation.override("en"):
            import_book(plan=plan, editor=editor)
    assert Pledge.objects.count() == 0


def test_one_bad_row_stops_the_whole_book(world, editor):
    bad = CSV + "M-04,김빛나,광주광역시,없는분야,잘못된 공약,,,,,,,\n"
    plan = plan_book(bad.encode(), "b.csv")
    assert [r.action for r in plan.rows] == [CREATE, CREATE, CREATE, ERROR]
    assert not plan.is_valid and Pledge.objects.count() == 0


def test_the_original_text_of_a_stored_pledge_is_never_overwritten(world, editor):
    import_book(plan=plan_book(CSV.encode(), "b.csv"), editor=editor)
    edited = CSV.replace("도심 순환 트램 1호선을 놓겠습니다.", "도심 트램을 놓겠습니다.")
    plan = plan_book(edited.encode(), "b.csv")
    assert plan.rows[0].action == ERROR


def test_parents_may_not_loop(world):
    text = (
        "공약번호,공약자,지역,공약명,상위 공약\nA,김빛나,광주,가 공약,B\nB,김빛나,광주,나 공약,A\n"
    )
    plan = plan_book(text.encode(), "b.csv")
    assert [r.action for r in plan.rows] == [ERROR, ERROR]


def test_terms_are_proposed_for_new_pledges_and_added_only_when_accepted(world, editor):
    text = "공약자,지역,공약명\n김빛나,광주,광주 반려동물 테마파크 조성\n김빛나,광주,청년 월세 지원 확대\n"
    plan = plan_book(text.encode(), "b.csv")
    assert plan.rows[0].proposed_aliases == ["반려동물 테마파크"]
    import_book(plan=plan, editor=editor, accept_terms={plan.rows[0].key})
    park = Pledge.objects.get(title="광주 반려동물 테마파크 조성")
    rent = Pledge.objects.get(title="청년 월세 지원 확대")
    assert park.match_aliases == ["반려동물 테마파크"]
    assert rent.match_aliases == [] and rent.match_keywords == []
    assert [r.action for r in plan_book(text.encode(), "b.csv").rows] == [UNCHANGED] * 2


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def book_file(tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(CSV.encode("cp949"))
    return path


def run(*args) -> str:
    out = StringIO()
    call_command("import_pledges", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_command_dry_run_writes_nothing(world, book_file, settings):
    settings.LANGUAGE_CODE = "en"
    output = run(book_file, "--dry-run")
    assert "Plan: 3 new, 0 changed, 0 unchanged, 0 with errors" in output
    assert Pledge.objects.count() == 0


def test_command_imports_then_reports_all_unchanged(world, editor, book_file, settings):
    settings.LANGUAGE_CODE = "en"
    assert "3 created, 0 changed, 0 unchanged" in run(
        book_file, "--editor", "editor", "--accept-proposed-terms"
    )
    assert "0 created, 0 changed, 3 unchanged" in run(book_file, "--editor", "editor")


def test_command_fails_on_an_invalid_file_and_writes_nothing(world, editor, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ROWS.replace("2029-06", "2029-99"), encoding="utf-8")
    with pytest.raises(CommandError):
        run(path, "--editor", "editor")
    assert Pledge.objects.count() == 0


def test_command_takes_the_promiser_for_rows_without_one(world, editor, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    path = tmp_path / "mayor.yaml"
    path.write_text("- title: 시립 수영장 신설\n  jurisdiction: gwangju\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run(path, "--editor", "editor")
    assert "1 created" in run(path, "--editor", "editor", "--promiser", "김빛나")
    assert Pledge.objects.get().promiser == world


def test_command_needs_an_editor_to_write(world, book_file):
    with pytest.raises(CommandError):
        run(book_file)


# --- hostile files ----------------------------------------------------------------------------


def test_nested_values_are_refused_not_expanded():
    bomb = (
        "- title: &a [x, x, x, x, x, x, x, x, x]\n"
        "  keywords: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "  summary: [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    row = parse_book(bomb.encode(), "bomb.yaml").rows[0]
    assert {p.column for p in row.problems} >= {"title", "keywords", "summary"}


@pytest.mark.parametrize("name", ["b.csv", "b.json", "b.yaml"])
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
@hsettings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None)
def test_any_bytes_give_rows_or_a_file_error(name, data):
    try:
        book = parse_book(data, name)
    except BookFileError as error:
        assert error.problem.code
    else:
        assert book.rows


def test_semicolons_between_terms_do_not_change_the_delimiter():
    text = "공약명,별칭\n가 공약,가; 나; 다\n나 공약,라;마\n"
    rows = parse_book(text.encode(), "b.csv").rows
    assert rows[0].values["aliases"] == ["가", "나", "다"]
    semicolons = parse_book("공약명;별칭\n가 공약;가|나\n".encode(), "b.csv").rows
    assert semicolons[0].values == {"title": "가 공약", "aliases": ["가", "나"]}


def test_a_code_another_pledge_has_is_an_error(world):
    PledgeFactory(promiser=world, code="M-01", slug="other-pledge")
    text = "공약번호,슬러그,공약자,지역,공약명\nM-01,new-tram,김빛나,광주,트램 공약\n"
    with translation.override("en"):
        plan = plan_book(text.encode(), "b.csv")
    assert plan.rows[0].action == ERROR
    assert "already used by another pledge" in plan.rows[0].errors[0]


def test_the_pledged_budget_is_in_the_trail(world, editor):
    import_book(plan=plan_book(CSV.encode(), "b.csv"), editor=editor)
    figure = BudgetFigure.objects.get(pledge__code="M-01")
    entry = trail.trail_of(figure)[0]
    assert entry["action"] == "import" and entry["after"]["amount_krw"] == 900_000_000_000
    assert figure.confirmed_by == editor


def test_a_slug_taken_after_planning_stops_the_whole_import(world, editor):
    plan = plan_book(CSV.encode(), "b.csv")
    PledgeFactory(promiser=world, code="M-03", slug="taken-meanwhile")  # another editor
    with pytest.raises(Exception, match="nothing was imported"):
        with translation.override("en"):
            import_book(plan=plan, editor=editor)
    assert Pledge.objects.count() == 1
