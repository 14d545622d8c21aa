"""Count every evidence's open budget amounts again, by the desk's rule.

manage.py recount_open_offers           put right every stored count that is wrong
manage.py recount_open_offers --check   only report them; exit status 1 if any
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from pledges.budget_offers import recount_all_open_offers


class Command(BaseCommand):
    help = (
        "Recompute Evidence.open_offer_count (the budget amounts no editor has decided, which "
        "the review desk sums and filters) for every evidence with amounts, in batches. Every "
        "editor action and the matcher keep it already; this puts right rows written by hand "
        "in SQL. With --check nothing is written and a wrong count is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only; exit 1 if wrong")

    def handle(self, *args, check: bool, **options):
        started = time.perf_counter()
        read, wrong = recount_all_open_offers(write=not check)
        seconds = time.perf_counter() - started
        if check and wrong:
            raise CommandError(
                f"{wrong:,} of {read:,} evidence rows with amounts have a wrong open-offer count "
                "(run without --check to put them right)."
            )
        done = "wrong" if check else "put right"
        self.stdout.write(
            f"{read:,} evidence rows with amounts read, {wrong:,} counts {done} in {seconds:.1f} s."
        )
