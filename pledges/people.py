"""People of the editors' desk: editors are staff accounts in the "editors" group, which a
migration (0005_editors_desk) made with exactly the permissions an editor needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

EDITORS_GROUP = "editors"


@dataclass
class EditorAccount:
    user: object
    created: bool


def editors_group() -> Group:
    try:
        return Group.objects.get(name=EDITORS_GROUP)
    except Group.DoesNotExist as missing:
        raise ValidationError(
            "The editors group does not exist; run `python manage.py migrate`."
        ) from missing


@transaction.atomic
def create_editor(*, username: str, email: str, password: str | None = None) -> EditorAccount:
    """A staff account in the editors group (never a superuser). An existing account of that
    name joins the group and keeps its password unless one is given. Without a password the
    account cannot log in until someone sets one (``manage.py changepassword``)."""
    username = username.strip()
    if not username:
        raise ValidationError("A username is required.")
    validate_email(email)
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": email, "is_staff": True}
    )
    user.email = email
    user.is_staff = True
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    user.groups.add(editors_group())
    return EditorAccount(user=user, created=created)
