import datetime as dt

from django.core.management.base import CommandError

from pledges.ingest import pipeline
from pledges.ingest.errors import IngestError
from pledges.ingest.text import decode_text_file
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = (
        "Split the text of a newspaper page (PDF extraction, UTF-8) into its articles, store "
        "each once under the outlet and print date, and match them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="page text file")
        parser.add_argument("--outlet", required=True, help="newspaper name, e.g. 광주일보")
        parser.add_argument("--published", required=True, help="print date, YYYY-MM-DD")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        run = self.start_run(options)
        try:
            published = dt.date.fromisoformat(options["published"])
        except ValueError as error:
            raise CommandError(f"--published: {error}") from error
        try:
            with open(options["file"], "rb") as handle:
                text = decode_text_file(handle.read(), what="page")
            pipeline.ingest_newspaper_page(
                run, text=text, outlet=options["outlet"], published=published
            )
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        except IngestError as error:  # a binary file, an empty outlet, an overlong article
            raise CommandError(f"{options['file']}: {error}") from error
        self.summary()
