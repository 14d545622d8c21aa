from pledges import ingest
from pledges.management.ingest_command import IngestCommand


class Command(IngestCommand):
    help = "Fetch one article URL, store it (once) and match it against the pledges."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--source", help="name of the Source to file it under")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        stats = self.setup(options)
        source = self.source_named(options["source"])
        url = options["url"]
        if self.enqueue:
            from pledges.tasks import ingest_url

            ingest_url.delay(url, source_id=source.pk if source else None)
            self.progress(f"queued {url}")
            stats.fetched += 1
        else:
            try:
                result = ingest.ingest_url(url, source=source)
                stats.fetched += 1
                self.stored(result)
            except ingest.IngestError as error:
                ingest.record_article_failure(source.pk if source else None, url, error)
                self.failed(url, error)
        self.summary()
