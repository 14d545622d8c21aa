"""Print the money amounts in a text as JSON lines.

manage.py extract_amounts < article.txt          one line per amount
manage.py extract_amounts --jsonl articles.jsonl  one line per article {"id", "amounts"}
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from pledges.korean import extract_amounts
from pledges.korean.money import extract_article_amounts


class Command(BaseCommand):
    help = (
        "Read Korean text on stdin (or --file) and print one JSON object per KRW amount; "
        'or read articles as JSON lines {"id", "title", "text"} (--jsonl) and print one line '
        "per article with its amounts."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--file", help="read this file instead of stdin (UTF-8)")
        parser.add_argument(
            "--jsonl", help='articles as JSON lines {"id", "title", "text"}; "-" for stdin'
        )

    def handle(self, *args, **options):
        if options.get("jsonl"):
            self._articles(options["jsonl"], options.get("stdin") or sys.stdin)
            return
        if options.get("file"):
            with open(options["file"], encoding="utf-8") as f:
                text = f.read()
        else:
            text = (options.get("stdin") or sys.stdin).read()
        for amount in extract_amounts(text):
            row = {
                "text": amount.text,
                "krw": amount.krw,
                "sentence": amount.sentence,
                "funder": amount.funder,
                "stage": amount.stage,
                "budget": amount.budget,
                "start": amount.start,
                "end": amount.end,
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))

    def _articles(self, path: str, stdin) -> None:
        f = stdin if path == "-" else open(path, encoding="utf-8")
        try:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    article = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(f"line {number}: not JSON ({exc.msg})") from exc
                amounts = extract_article_amounts(
                    article.get("title") or "", article.get("text") or ""
                )
                row = {
                    "id": article.get("id"),
                    "amounts": [
                        {
                            "text": a.text,
                            "krw": a.krw,
                            "funder": a.funder,
                            "stage": a.stage,
                            "budget": a.budget,
                            "sentence": a.sentence,
                        }
                        for a in amounts
                    ],
                }
                self.stdout.write(json.dumps(row, ensure_ascii=False))
        finally:
            if f is not stdin:
                f.close()
