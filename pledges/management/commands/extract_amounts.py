"""Print the money amounts in a text as JSON lines: ``manage.py extract_amounts < article.txt``."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from pledges.korean import extract_amounts


class Command(BaseCommand):
    help = "Read Korean text on stdin (or --file) and print one JSON object per KRW amount."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--file", help="read this file instead of stdin (UTF-8)")

    def handle(self, *args, **options):
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
                "start": amount.start,
                "end": amount.end,
            }
            self.stdout.write(json.dumps(row, ensure_ascii=False))
