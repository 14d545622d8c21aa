"""Import a pledge book (CSV, JSON or YAML): see README "Pledge books"."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from pledges.books.apply import ALL, import_book
from pledges.books.plan import ERROR, BookPlan, find_jurisdiction, find_promiser, plan_book


class Command(BaseCommand):
    help = (
        "Import a pledge book: create and update pledges from a CSV (UTF-8 or CP949), JSON or "
        "YAML file. Prints every row's changes and errors; writes nothing when any row is "
        "invalid (exit status 1). Re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
        parser.add_argument("--promiser", help="promiser (slug or name) for rows without one")
        parser.add_argument(
            "--jurisdiction", help="jurisdiction (slug or name) for rows without one"
        )
        parser.add_argument(
            "--accept-proposed-terms",
            action="store_true",
            help="give new pledges the matcher terms derived from their text",
        )
        parser.add_argument(
            "--editor", help="the editor (username) the trail names; required unless --dry-run"
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options):
        self.verbosity = options["verbosity"]
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        editor = None
        if not options["dry_run"]:
            if not options["editor"]:
                raise CommandError(_("Name the editor who imports (--editor USERNAME)."))
            editor = get_user_model().objects.filter(username=options["editor"]).first()
            if editor is None:
                raise CommandError(_("No user %(name)s.") % {"name": options["editor"]})
        promiser = jurisdiction = None
        if options["promiser"]:
            promiser = find_promiser(options["promiser"])
            if promiser is None:
                raise CommandError(_("No promiser %(name)s.") % {"name": options["promiser"]})
        if options["jurisdiction"]:
            jurisdiction = find_jurisdiction(options["jurisdiction"])
            if jurisdiction is None:
                raise CommandError(
                    _("No jurisdiction %(name)s.") % {"name": options["jurisdiction"]}
                )
        plan = plan_book(data, path.name, promiser=promiser, jurisdiction=jurisdiction)
        self._print_plan(plan, options["accept_proposed_terms"])
        if not plan.is_valid:
            raise CommandError(
                _("%(errors)s error(s): nothing was imported.") % {"errors": plan.error_count}
            )
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        try:
            result = import_book(
                plan=plan,
                editor=editor,
                accept_terms=ALL if options["accept_proposed_terms"] else (),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(result.summary())

    def _print_plan(self, plan: BookPlan, accept_terms: bool) -> None:
        for message in plan.file_errors:
            self.stderr.write(message)
        for message in plan.warnings:
            self.stdout.write(message)
        labels = {
            "create": _("new"),
            "change": _("changed"),
            "unchanged": _("unchanged"),
            ERROR: _("error"),
        }
        for rp in plan.rows:
            if rp.action == "unchanged" and self.verbosity < 2:
                continue
            line = _("row %(row)s") % {"row": rp.number}
            self.stdout.write(f"{line} [{labels[rp.action]}] {rp.title}")
            for change in rp.changes:
                self.stdout.write(f"    {change.label}: {change.before or '—'} → {change.after}")
            for message in rp.errors:
                self.stderr.write(f"{line}: {message}")
            if rp.has_proposed_terms:
                state = _("accepted") if accept_terms else _("not accepted")
                self.stdout.write(
                    "    "
                    + _("proposed matcher terms (%(state)s): %(terms)s")
                    % {
                        "state": state,
                        "terms": "; ".join(rp.proposed_aliases + rp.proposed_keywords),
                    }
                )
        if plan.rows:
            self.stdout.write(
                _(
                    "Plan: %(created)s new, %(changed)s changed, %(unchanged)s unchanged, "
                    "%(invalid)s with errors"
                )
                % {
                    "created": plan.created,
                    "changed": plan.changed,
                    "unchanged": plan.unchanged,
                    "invalid": plan.invalid,
                }
            )
