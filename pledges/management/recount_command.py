"""What the recount commands share: a stored value that every write keeps, computed again for
every row in batches by the same rule, to put right rows written by hand in SQL (or, with
``--check``, only to report them, exit status 1 if any is wrong)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError


class RecountCommand(BaseCommand):
    # Set by each command: recount(write=...) -> (rows read, rows wrong), and the words for them.
    recount: Callable[..., tuple[int, int]]
    rows: str  # "pledges"
    wrong_rows: str  # "have a wrong stored money summary"
    values: str  # "money summaries"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only; exit 1 if wrong")

    def handle(self, *args, check: bool, **options):
        started = time.perf_counter()
        read, wrong = self.recount(write=not check)
        seconds = time.perf_counter() - started
        if check and wrong:
            raise CommandError(
                f"{wrong:,} of {read:,} {self.rows} {self.wrong_rows} "
                "(run without --check to put them right)."
            )
        done = "wrong" if check else "put right"
        self.stdout.write(
            f"{read:,} {self.rows} read, {wrong:,} {self.values} {done} in {seconds:.1f} s."
        )
