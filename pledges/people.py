"""People of the editors' desk: editors are staff accounts in the "editors" group, which a
migration (0007_editors_desk) made with exactly the permissions an editor needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

EDITORS_GROUP = "editors"


@dataclass
class EditorAccount:
    user: object
    created: bool


# Exactly what an editor needs: no user management, and no deletion of evidence, status history,
# revisions, pledges or budget figures. The migration 0007_editors_desk made the group with a
# frozen copy of this list; ``ensure_editors_group`` restores it (a test keeps the two equal).
EDITOR_PERMISSIONS = {
    "pledge": ["add", "change", "view"],
    "promiser": ["add", "change", "view"],
    "jurisdiction": ["add", "change", "view"],
    "category": ["add", "change", "view"],
    "pledgerevision": ["add", "view"],
    "statuschange": ["add", "view"],
    "milestone": ["add", "change", "delete", "view"],
    "budgetfigure": ["add", "change", "view"],
    "evidence": ["add", "change", "view"],
    "article": ["add", "change", "view"],
    "source": ["add", "change", "view"],
    "similaritykey": ["view"],
}


def editor_codenames() -> set[str]:
    return {
        f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions
    }


@transaction.atomic
def ensure_editors_group() -> Group:
    """The editors group with exactly the editor's permissions (made again if it was removed,
    put right if someone widened it)."""
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="pledges", codename__in=editor_codenames()
    )
    if permissions.count() != len(editor_codenames()):
        raise ValidationError("Permissions are missing; run `python manage.py migrate`.")
    group.permissions.set(permissions)
    return group


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
    user.groups.add(ensure_editors_group())
    return EditorAccount(user=user, created=created)
