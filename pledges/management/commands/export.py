"""Write one export table to a file or standard output: the same bytes as /export/<table>.<fmt>."""

from __future__ import annotations

import sys
import time

import django_filters
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from pledges import exports


class Command(BaseCommand):
    help = (
        "Export a public table (pledges, evidence, budget_figures, status_changes, milestones) as "
        "CSV, XLSX or JSON, byte for byte what /export/<table>.<format> serves for the same filters."
    )

    def add_arguments(self, parser):
        parser.add_argument("table", choices=list(exports.TABLES))
        parser.add_argument("--format", choices=list(exports.FORMATS), default="csv")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--no-bom", action="store_true", help="CSV without the UTF-8 BOM (as ?bom=0)"
        )
        parser.add_argument(
            "--headers",
            choices=["en", "ko"],
            default="en",
            help="column names of CSV and XLSX: English (default) or Korean (as ?headers=ko)",
        )
        parser.add_argument(
            "--include-suggested",
            action="store_true",
            help="also unreviewed evidence and figures (as an editor's ?include=suggested)",
        )
        # One option per filter parameter of the HTTP endpoint, from the same FilterSets.
        for name, flt in exports.filter_parameters().items():
            multiple = isinstance(flt, django_filters.MultipleChoiceFilter)
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=f"filter__{name}",
                action="append" if multiple else "store",
                metavar=name.upper(),
                help=f"{flt.label}{' (repeatable)' if multiple else ''}; as ?{name}=",
            )

    def handle(self, *args, **options):
        filters = QueryDict(mutable=True)
        for key, value in options.items():
            if key.startswith("filter__") and value is not None:
                filters.setlist(
                    key.removeprefix("filter__"), value if isinstance(value, list) else [value]
                )
        try:
            export = exports.prepare_export(
                options["table"], filters, include_suggested=options["include_suggested"]
            )
        except exports.ExportError as error:
            raise CommandError(str(error)) from error
        chunks = export.stream(
            options["format"], bom=not options["no_bom"], korean=options["headers"] == "ko"
        )
        started = time.perf_counter()
        target = options["output"]
        if target:
            try:
                with open(target, "wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
            except OSError as error:
                raise CommandError(f"Cannot write {target}: {error}") from error
        else:
            self._write_to_stdout(chunks)
        elapsed = time.perf_counter() - started
        self.stderr.write(
            f"{export.table.name}: {export.stats.rows:,} rows to {target or 'standard output'} "
            f"in {elapsed:.1f} s"
        )

    def _write_to_stdout(self, chunks) -> None:
        binary = getattr(self.stdout, "buffer", None)
        if binary is None:  # a text stream (call_command(stdout=StringIO())): decode
            for chunk in chunks:
                self.stdout.write(chunk.decode("utf-8"), ending="")
            return
        self.stdout.flush()
        for chunk in chunks:
            binary.write(chunk)
        binary.flush()
        if binary is sys.stdout.buffer:
            sys.stdout.flush()
