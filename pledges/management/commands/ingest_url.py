from pledges.ingest import pipeline
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = "Fetch one article URL, store it (once) and match it against the pledges."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--source", help="name of the Source to file it under")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        run = self.start_run(options)
        source = self.source_named(options["source"])
        pipeline.ingest_url(options["url"], run, source=source)
        if run.queues:
            run.fetched += 1
        self.summary()
