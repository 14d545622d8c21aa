from pledges import ingest
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
        self.setup(options)
        source = ingest.feed_source_for(options["url"], name=options["name"])
        run_feed(self, source, force=options["force"])
        self.summary()


def run_feed(command: IngestCommand, source, *, force: bool) -> None:
    """Poll one source and ingest its new entries, in-process or via the queue."""
    stats = command.stats
    poll = ingest.poll_source(source.pk, force=force)
    if poll.error:
        command.failed(f"feed {source.feed_url}", poll.error)
        return
    if poll.not_modified:
        command.progress(f"{source.name}: not modified since the last poll")
        return
    command.progress(
        f"{source.name}: {len(poll.entries)} entries, {len(poll.new_entries)} not stored yet"
    )
    stats.duplicate += len(poll.entries) - len(poll.new_entries)
    total = len(poll.new_entries)
    for number, entry in enumerate(poll.new_entries, start=1):
        label = f"[{number}/{total}] "
        if command.enqueue:
            from pledges.tasks import ingest_url

            ingest_url.delay(entry.url, source_id=source.pk, hints=entry.hints(source.name))
            command.progress(f"{label}queued       {entry.url}")
            continue
        try:
            result = ingest.ingest_url(entry.url, source=source, hints=entry.hints(source.name))
        except ingest.IngestError as error:
            ingest.record_article_failure(source.pk, entry.url, error)
            command.failed(entry.url, error, label)
            continue
        stats.fetched += 1
        command.stored(result, label)
