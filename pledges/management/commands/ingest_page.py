import datetime as dt

from django.core.management.base import CommandError

from pledges import ingest
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
        stats = self.setup(options)
        try:
            published = dt.date.fromisoformat(options["published"])
        except ValueError as error:
            raise CommandError(f"--published: {error}") from error
        try:
            with open(options["file"], "rb") as handle:
                text, _codec = ingest.decode_bytes(handle.read())
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        results = ingest.ingest_page(text=text, outlet=options["outlet"], published=published)
        stats.fetched = len(results)
        for number, result in enumerate(results, start=1):
            self.stored(result, f"[{number}/{len(results)}] ")
        self.summary()
