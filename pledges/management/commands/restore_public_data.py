"""Restore a JSON archive of public data into an empty, migrated database (all or nothing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pledges.ops import archive


class Command(BaseCommand):
    help = "Restore an archive written by archive_public_data into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an archive written by archive_public_data")

    def handle(self, *args, file: str, **options):
        try:
            with open(file, encoding="utf-8") as stream:
                counts = archive.restore_archive(stream)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except archive.ArchiveError as exc:
            raise CommandError(f"{file}: {exc}; nothing was restored") from exc
        summary = ", ".join(f"{label.split('.')[1]} {n}" for label, n in sorted(counts.items()))
        self.stdout.write(f"restored {sum(counts.values())} rows: {summary}")
