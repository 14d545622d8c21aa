"""Shared plumbing of the ingestion commands: --enqueue, progress lines and the summary line.

By default a command does all the work in-process (fetch, store, match), so it needs no worker;
with --enqueue it only stores/queues and leaves the rest to the Celery workers. The work itself
is the pipeline's (pledges/ingest/pipeline.py); a command parses, runs one entry point, reports.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pledges.ingest.pipeline import IngestRun, Mode
from pledges.models import Source


class IngestCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue fetching/matching on the Celery workers instead of doing it here",
        )

    def start_run(self, options) -> IngestRun:
        self.verbosity = options["verbosity"]
        self.run = IngestRun(
            mode=Mode.QUEUE if options["enqueue"] else Mode.INLINE,
            progress=self.progress,
            on_failure=self.stderr.write,
        )
        return self.run

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

    def summary(self) -> None:
        self.stdout.write(self.style.SUCCESS(self.run.line()))
