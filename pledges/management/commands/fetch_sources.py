from pledges.ingest import pipeline
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = (
        "Poll every active feed source that is due (what beat does every FEED_POLL_SECONDS); "
        "--all polls every active feed now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="poll all active feeds, due or not")
        parser.add_argument("--force", action="store_true", help="ignore ETag/Last-Modified")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        run = self.start_run(options)
        pipeline.ingest_feeds(run, every_active=options["all"], force=options["force"])
        self.summary()
