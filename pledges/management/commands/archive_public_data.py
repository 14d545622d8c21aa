"""Write a JSON archive of all public data (see pledges/ops/archive.py for what is in it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from pledges.ops import archive


class Command(BaseCommand):
    help = "Write all public data (published pledges and what belongs to them) to a JSON archive."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the archive; - for standard output")

    def handle(self, *args, file: str, **options):
        if file == "-":
            counts = archive.write_archive(sys.stdout)
        else:
            # Written beside the target and renamed: a failed run never leaves half a file.
            target = Path(file)
            partial = target.with_name(target.name + ".partial")
            try:
                with open(partial, "w", encoding="utf-8", newline="\n") as out:
                    counts = archive.write_archive(out)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        summary = ", ".join(f"{label.split('.')[1]} {n}" for label, n in sorted(counts.items()))
        self.stderr.write(f"archived {sum(counts.values())} rows: {summary or 'nothing'}")
