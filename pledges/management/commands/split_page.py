"""Print the articles of a newspaper page as JSON lines: ``manage.py split_page page.txt``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from pledges.korean import split_newspaper_page


class Command(BaseCommand):
    help = "Split the extracted text of a newspaper page into articles (one JSON object each)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 text of the page (e.g. PDF extraction)")
        parser.add_argument(
            "--no-spacing", action="store_true", help="do not restore lost word spacing"
        )

    def handle(self, *args, **options):
        with open(options["file"], encoding="utf-8") as f:
            text = f.read()
        restore = False if options["no_spacing"] else None
        for article in split_newspaper_page(text, restore=restore):
            self.stdout.write(json.dumps(article.as_dict(), ensure_ascii=False))
