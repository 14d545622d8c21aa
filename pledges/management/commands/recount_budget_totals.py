"""Recompute every pledge's stored money summary, by the pledge page's rule.

manage.py recount_budget_totals           put right every stored summary that is wrong
manage.py recount_budget_totals --check   only report them; exit status 1 if any
"""

from __future__ import annotations

from pledges.budget_totals import recount_all_budget_totals
from pledges.management.recount_command import RecountCommand


class Command(RecountCommand):
    help = (
        "Recompute each pledge's stored money summary (the planned, secured and spent totals of "
        "its confirmed budget figures and whether each is a lower bound, which the front page, "
        "the list's budget order and the shortfall filter read), in batches. Every figure "
        "action keeps it already; this puts right rows written by hand in SQL. With --check "
        "nothing is written and a wrong summary is an error."
    )
    recount = staticmethod(recount_all_budget_totals)
    rows = "pledges"
    wrong_rows = "have a wrong stored money summary"
    values = "money summaries"
