import datetime as dt

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from pledges import ingest
from pledges.management.ingest_command import IngestCommand
from pledges.models import Pledge


class Command(IngestCommand):
    help = (
        "Match stored articles against the pledges again (all pledges, or --pledge SLUG, "
        "repeatable), articles published since --since (default: REMATCH_WINDOW_DAYS ago). "
        "Reviewed evidence is never touched; suggestions that no longer match are withdrawn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pledge", action="append", dest="pledges", metavar="SLUG")
        parser.add_argument("--since", help="YYYY-MM-DD")
        parser.add_argument("--all", action="store_true", help="every article, however old")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        stats = self.setup(options)
        slugs = options["pledges"]
        if slugs:
            known = set(Pledge.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            unknown = sorted(set(slugs) - known)
            if unknown:
                raise CommandError(f"Unknown pledge slug(s): {', '.join(unknown)}")
        if options["all"]:
            since = None
        elif options["since"]:
            try:
                day = dt.date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
            since = dt.datetime.combine(day, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
        else:
            since = timezone.now() - dt.timedelta(days=settings.REMATCH_WINDOW_DAYS)
        if self.enqueue:
            from pledges.tasks import rematch_recent

            days = None if since is None else max(0, (timezone.now() - since).days + 1)
            rematch_recent.delay(days=days if days is not None else 36500, pledge_slugs=slugs)
            self.progress("rematch queued")
            self.summary()
            return

        def progress(done: int) -> None:
            if done % 100 == 0:
                self.progress(f"{done} articles matched")

        articles, suggestions = ingest.rematch_articles(
            pledge_slugs=slugs, since=since, progress=progress
        )
        stats.fetched = articles
        stats.matched = suggestions
        self.progress(f"{articles} article(s) matched again; {suggestions} suggestion(s) stand")
        self.summary()
