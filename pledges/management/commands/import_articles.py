import json

from django.core.management.base import CommandError

from pledges.ingest import pipeline
from pledges.ingest.errors import IngestError
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = (
        "Import articles from a JSON-lines or CSV file with the fields url, title, text, "
        "published, outlet. Bad rows are reported (line, reason) and, with --rejects, written "
        "to a JSON-lines file to fix and import again; the good rows are stored and matched. "
        "Exits with status 1 when any row failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["jsonl", "csv"], help="default: detect")
        parser.add_argument("--outlet", default="", help="outlet for rows without one")
        parser.add_argument("--source", help="name of the Source to file them under")
        parser.add_argument("--rejects", help="write bad rows to this JSON-lines file")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        run = self.start_run(options)
        source = self.source_named(options["source"])
        try:
            report = pipeline.import_article_file(
                run,
                options["file"],
                fmt=options["format"],
                source=source,
                outlet=options["outlet"],
            )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        except IngestError as error:  # e.g. a binary file: nothing stored
            raise CommandError(f"{options['file']}: {error}") from error
        if options["rejects"] and report.errors:
            with open(options["rejects"], "w", encoding="utf-8") as out:
                for error in report.errors:
                    row = {"line": error.line, "reason": error.reason, "raw": error.raw}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.stderr.write(f"{len(report.errors)} bad row(s) written to {options['rejects']}")
        self.summary()
        if report.errors:
            # The good rows are stored; a script running the import must still see it failed.
            raise CommandError(
                f"{len(report.errors)} of {report.rows} row(s) could not be imported (see above)."
            )
