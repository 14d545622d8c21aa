"""Shared plumbing of the ingestion commands: --enqueue, progress lines and the summary line.

By default a command does all the work in-process (fetch, store, match), so it needs no worker;
with --enqueue it only stores/queues and leaves the rest to the Celery workers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pledges import ingest
from pledges.models import Source


class IngestCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue fetching/matching on the Celery workers instead of doing it here",
        )

    def setup(self, options) -> ingest.IngestStats:
        self.enqueue = options["enqueue"]
        self.verbosity = options["verbosity"]
        self.stats = ingest.IngestStats()
        return self.stats

    @staticmethod
    def source_named(name: str | None) -> Source | None:
        """The --source a command files articles under; an unknown name is an error."""
        if not name:
            return None
        source = Source.objects.filter(name=name).first()
        if source is None:
            raise CommandError(f"No source named {name!r}.")
        return source

    def progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def stored(self, result: ingest.StoreResult, label: str = "") -> None:
        """Count a stored article and match it (or queue its matching)."""
        self.stats.add(result)
        article = result.article
        suffix = ""
        if result.needs_match:
            if self.enqueue:
                from pledges.tasks import match_article

                match_article.delay(article.pk)
                suffix = " (match queued)"
            else:
                suggestions = ingest.match_stored_article(article.pk)
                if suggestions:
                    self.stats.matched += 1
                suffix = f" ({suggestions} suggestion(s))"
        self.progress(f"{label}{result.reason:<12} #{article.pk} {article.title[:60]}{suffix}")

    def failed(self, what: str, error: Exception, label: str = "") -> None:
        self.stats.fail(what, error)
        self.stderr.write(f"{label}failed       {what}: {error}")

    def summary(self) -> None:
        self.stdout.write(self.style.SUCCESS(self.stats.line()))
