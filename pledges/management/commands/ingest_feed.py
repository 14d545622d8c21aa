from pledges.ingest import pipeline
from pledges.ingest.sources import feed_source_for
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = (
        "Poll one RSS/Atom feed (creating its Source on first use), then fetch, store and match "
        "its new entries. Conditional GET with the stored ETag/Last-Modified unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="feed URL")
        parser.add_argument("--name", default="", help="source name when the source is new")
        parser.add_argument("--force", action="store_true", help="ignore ETag/Last-Modified")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        run = self.start_run(options)
        source = feed_source_for(options["url"], name=options["name"])
        pipeline.ingest_feed(source, run, force=options["force"])
        self.summary()
