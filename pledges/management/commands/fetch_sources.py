from django.utils import timezone

from pledges import ingest
from pledges.management.commands.ingest_feed import run_feed
from pledges.management.ingest_command import IngestCommand
from pledges.models import Source


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
        self.setup(options)
        if options["all"]:
            ids = list(
                Source.objects.filter(is_active=True, feed_url__isnull=False)
                .exclude(feed_url="")
                .values_list("pk", flat=True)
            )
        else:
            ids = ingest.claim_due_sources(timezone.now())
        self.progress(f"{len(ids)} feed(s) to poll")
        for source in Source.objects.filter(pk__in=ids).order_by("name"):
            if self.enqueue:
                from pledges.tasks import fetch_feed

                fetch_feed.delay(source.pk, force=options["force"])
                self.progress(f"queued feed {source.name}")
            else:
                run_feed(self, source, force=options["force"])
        self.summary()
