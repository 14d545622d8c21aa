"""Recompute every pledge's stored money summary, by the pledge page's rule.

manage.py recount_budget_totals           put right every stored summary that is wrong
manage.py recount_budget_totals --check   only report them; exit status 1 if any
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from pledges.budget_totals import recount_all_budget_totals


class Command(BaseCommand):
    help = (
        "Recompute each pledge's stored money summary (the planned, secured and spent totals of "
        "its confirmed budget figures and whether each is a lower bound, which the front page, "
        "the list's budget order and the shortfall filter read), in batches. Every figure "
        "action keeps it already; this puts right rows written by hand in SQL. With --check "
        "nothing is written and a wrong summary is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only; exit 1 if wrong")

    def handle(self, *args, check: bool, **options):
        started = time.perf_counter()
        read, wrong = recount_all_budget_totals(write=not check)
        seconds = time.perf_counter() - started
        if check and wrong:
            raise CommandError(
                f"{wrong:,} of {read:,} pledges have a wrong stored money summary "
                "(run without --check to put them right)."
            )
        done = "wrong" if check else "put right"
        self.stdout.write(
            f"{read:,} pledges read, {wrong:,} money summaries {done} in {seconds:.1f} s."
        )
