import datetime as dt

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from pledges.ingest import pipeline
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
        run = self.start_run(options)
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
        pipeline.rematch(run, pledge_slugs=slugs, since=since)
        self.summary()
