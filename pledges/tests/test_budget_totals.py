"""Each pledge's stored money summary (``Pledge.confirmed_planned_krw`` and the rest) is the
pledge page's rule, ``BudgetSummary.from_figures`` of its confirmed figures, after the writes
that do not go through the figure actions (the pledge book, the demo data, an archive restore),
after a pledge is saved from a form opened before, and after the recount command. The figure
actions themselves are driven in any order by the state machine of test_budget_offers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pledges import review, selectors
from pledges.books.apply import import_book
from pledges.books.plan import plan_book
from pledges.budget_totals import STORED_FIELDS
from pledges.demo_data import load_gwangju_demo
from pledges.models import BudgetFigure, BudgetStage, FigureState, Funder, Pledge
from pledges.ops import archive
from pledges.tests.factories import (
    BudgetFigureFactory,
    CategoryFactory,
    JurisdictionFactory,
    PledgeFactory,
    PromiserFactory,
)
from pledges.tests.test_budget_offers import assert_money_kept, stored_money

pytestmark = pytest.mark.django_db

EOK = 100_000_000


def pledge_with_money() -> Pledge:
    """Planned 9,000억 (a stated total beside two parts, the later of two), 957억 secured "or
    more", nothing spent."""
    pledge = PledgeFactory()
    for amount, stage, funder, day, more_than in [
        (8_000 * EOK, BudgetStage.PLANNED, Funder.TOTAL, 1, False),
        (9_000 * EOK, BudgetStage.PLANNED, Funder.TOTAL, 2, False),
        (6_000 * EOK, BudgetStage.PLANNED, Funder.NATIONAL, 2, False),
        (957 * EOK, BudgetStage.SECURED, Funder.NATIONAL, 2, True),
    ]:
        BudgetFigureFactory(
            pledge=pledge,
            amount_krw=amount,
            stage=stage,
            funder=funder,
            as_of=dt.date(2025, 6, day),
            is_lower_bound=more_than,
        )
    BudgetFigureFactory(pledge=pledge, amount_krw=1, state=FigureState.SUGGESTED)
    return pledge


def test_the_stored_money_is_the_pledge_pages_summary():
    pledge = pledge_with_money()
    assert stored_money(pledge.pk) == {
        "confirmed_planned_krw": 9_000 * EOK,
        "confirmed_planned_is_lower_bound": False,
        "confirmed_secured_krw": 957 * EOK,
        "confirmed_secured_is_lower_bound": True,
        "confirmed_executed_krw": None,
        "confirmed_executed_is_lower_bound": False,
    }
    assert_money_kept()


@pytest.mark.postgres
def test_a_total_beyond_a_bigint_is_stored_and_read_exactly_as_an_integer(require_postgres):
    """Any figure fits a bigint; their sum need not. (On PostgreSQL, where the money is kept:
    SQLite, the demo's embedded default, holds numbers past 64 bits as floating point.)"""
    biggest = 2**63 - 1
    pledge = PledgeFactory()
    for funder in [Funder.NATIONAL, Funder.LOCAL]:
        BudgetFigureFactory(pledge=pledge, amount_krw=biggest, funder=funder)
    other = PledgeFactory(promiser=pledge.promiser)
    BudgetFigureFactory(pledge=other, amount_krw=1)
    stored = Pledge.objects.get(pk=pledge.pk).confirmed_planned_krw
    assert stored == 2 * biggest and type(stored) is int
    [overview] = selectors.promiser_overviews(selectors.published_pledges())
    assert overview.planned_krw == 2 * biggest + 1 and type(overview.planned_krw) is int
    by_budget = selectors.sorted_for_list(selectors.published_pledges(), "budget")
    assert list(by_budget) == [pledge, other]
    assert set(selectors.budget_shortfall_pledges()) == {pledge, other}  # nothing secured
    assert_money_kept()


def test_the_command_finds_and_puts_right_a_summary_written_by_hand():
    pledge = pledge_with_money()
    PledgeFactory()  # no figures: nothing stored, nothing wrong
    Pledge.objects.filter(pk=pledge.pk).update(  # SQL by hand
        confirmed_planned_krw=1, confirmed_secured_is_lower_bound=False
    )
    with pytest.raises(CommandError, match="1 of 2 pledges"):
        call_command("recount_budget_totals", "--check", stdout=io.StringIO())
    assert stored_money(pledge.pk)["confirmed_planned_krw"] == 1  # --check writes nothing
    out = io.StringIO()
    call_command("recount_budget_totals", stdout=out)
    assert "1 money summaries put right" in out.getvalue()
    assert_money_kept()
    call_command("recount_budget_totals", "--check", stdout=io.StringIO())


def test_a_pledge_form_opened_before_a_figure_was_confirmed_keeps_the_new_money(editor):
    pledge = PledgeFactory()
    opened = Pledge.objects.get(pk=pledge.pk)  # the editor opens the pledge's form
    figure = review.save_budget_figure(
        figure=BudgetFigure(
            pledge=pledge,
            amount_krw=9_000 * EOK,
            stage=BudgetStage.PLANNED,
            funder=Funder.TOTAL,
            as_of=dt.date(2025, 6, 10),
        ),
        editor=editor,
    )
    review.confirm_budget_figure(figure=figure, reviewer=editor)  # another editor, meanwhile
    opened.title = "고친 제목"
    review.save_pledge(pledge=opened, changed_fields=["title"], editor=editor)
    assert Pledge.objects.get(pk=pledge.pk).confirmed_planned_krw == 9_000 * EOK
    assert_money_kept()


def test_the_pledge_form_does_not_offer_the_stored_money(client, editor):
    pledge = pledge_with_money()
    client.force_login(editor)
    page = client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk]))
    assert page.status_code == 200
    assert 'name="title"' in page.text
    assert not [name for name in STORED_FIELDS if f'name="{name}"' in page.text]


BOOK = (
    "공약번호,공약자,지역,분야,공약명,공약 원문,출처 문서,쪽,상위 공약,목표 시점,공약 예산,별칭\n"
    "M-01,김빛나,광주광역시,모빌리티,순환 트램 1호선 건설,도심 순환 트램 1호선을 놓겠습니다.,"
    '시장 공약집,4,,2029-06,"9,000억 원",\n'
)


def test_a_pledge_book_import_keeps_each_pledges_money(editor):
    JurisdictionFactory()
    CategoryFactory(slug="mobility", name="모빌리티", name_en="Mobility")
    PromiserFactory(slug="kim-bitna", name="김빛나", role="광주광역시장")
    import_book(plan=plan_book(BOOK.encode(), "b.csv"), editor=editor)
    tram = Pledge.objects.get(code="M-01")
    BudgetFigureFactory(pledge=tram, amount_krw=8_000 * EOK, stage=BudgetStage.PLANNED)
    changed = BOOK.replace("2029-06", "2030-12").replace('"9,000억 원"', "1조 원")
    import_book(plan=plan_book(changed.encode(), "b.csv"), editor=editor)
    tram.refresh_from_db()
    assert tram.target_date == dt.date(2030, 12, 31)
    # The book's amount is a "pledged" figure, which no stored total counts; the planned cost
    # an editor confirmed stays.
    assert tram.budget_figures.filter(stage=BudgetStage.PLEDGED, amount_krw=10**12).exists()
    assert tram.confirmed_planned_krw == 8_000 * EOK
    assert_money_kept()


def test_the_demo_data_stores_the_money_of_its_figures():
    load_gwangju_demo()
    assert Pledge.objects.filter(confirmed_planned_krw__gt=0).exists()
    assert_money_kept()
    load_gwangju_demo()  # loaded again over itself
    assert_money_kept()


def test_an_archive_carries_no_stored_money_and_a_restore_recounts_it(editor):
    pledge = pledge_with_money()
    before = stored_money(pledge.pk)
    out = io.StringIO()
    archive.write_archive(out)
    assert not any(name in out.getvalue() for name in STORED_FIELDS)  # sums, not data
    for model in reversed(archive.MODELS):
        model.objects.all().delete()
    archive.restore_archive(io.StringIO(out.getvalue()))
    assert stored_money(pledge.pk) == before
    assert_money_kept()
    assert list(selectors.budget_shortfall_pledges()) == [pledge]
