"""Count every evidence's open budget amounts again, by the desk's rule.

manage.py recount_open_offers           put right every stored count that is wrong
manage.py recount_open_offers --check   only report them; exit status 1 if any
"""

from __future__ import annotations

from pledges.budget_offers import recount_all_open_offers
from pledges.management.recount_command import RecountCommand


class Command(RecountCommand):
    help = (
        "Recompute Evidence.open_offer_count (the budget amounts no editor has decided, which "
        "the review desk sums and filters) for every evidence with amounts, in batches. Every "
        "editor action and the matcher keep it already; this puts right rows written by hand "
        "in SQL. With --check nothing is written and a wrong count is an error."
    )
    recount = staticmethod(recount_all_open_offers)
    rows = "evidence rows with amounts"
    wrong_rows = "have a wrong open-offer count"
    values = "counts"
