"""Make an editor: a staff account in the "editors" group (no user management, no deletions)."""

from __future__ import annotations

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pledges.people import create_editor


class Command(BaseCommand):
    help = (
        "Create an editor account (staff, in the editors group) or put an existing account in "
        "the group. Asks for a password on a terminal; with --no-input the account gets none "
        "until `manage.py changepassword USERNAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("--no-input", action="store_true", help="do not ask for a password")

    def handle(self, *args, username, email, no_input, **options):
        password = None
        if not no_input and self.stdin_is_terminal():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
            try:
                validate_password(password)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        try:
            account = create_editor(username=username, email=email, password=password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        verb = "Created" if account.created else "Updated"
        self.stdout.write(f"{verb} editor {account.user.get_username()} ({email}).")
        if not account.user.has_usable_password():
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")

    @staticmethod
    def stdin_is_terminal() -> bool:
        import sys

        return sys.stdin.isatty()
