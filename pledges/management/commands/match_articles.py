"""Match articles from a JSON-lines file against the pledges in the database. Writes nothing."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from pledges.korean.normalize import normalize_text
from pledges.matching import current_specs, match_text, stored_calibrators
from pledges.models import Pledge


class Command(BaseCommand):
    help = (
        "Read JSON lines ({id, title, text, [published], [url], [outlet]}) and print, for each, the pledges "
        "it would be attached to: {id, pledges: [{slug, score, terms, snippet}]}. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON-lines file, or - for standard input")
        parser.add_argument("--threshold", type=float, default=None, help="override the setting")

    def handle(self, *args, **options):
        specs = current_specs()
        if not specs:
            raise CommandError("No pledges in the database: load some first (make demo).")
        calibrators = stored_calibrators(Pledge.objects.all())
        stream = sys.stdin if options["file"] == "-" else self._open(options["file"])
        errors = 0
        with stream:
            for line_number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict):
                        raise ValueError("not a JSON object")
                except ValueError as error:
                    errors += 1
                    self.stderr.write(f"line {line_number}: skipped, invalid JSON ({error})")
                    continue
                text = normalize_text(str(item.get("text") or ""))
                matches = match_text(
                    title=str(item.get("title") or ""),
                    text=text,
                    specs=specs,
                    threshold=options["threshold"],
                    calibrators=calibrators,
                    outlet=str(item.get("outlet") or ""),
                )
                result = {
                    "id": item.get("id"),
                    "pledges": [
                        {
                            "slug": m.slug,
                            "score": round(float(m.score), 4),
                            "terms": list(m.terms),
                            "snippet": m.snippet,
                        }
                        for m in matches
                    ],
                }
                self.stdout.write(json.dumps(result, ensure_ascii=False))
        if errors:
            self.stderr.write(f"{errors} line(s) could not be read.")

    def _open(self, path):
        try:
            return open(path, encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
