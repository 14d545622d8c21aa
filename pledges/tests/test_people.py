"""People and permissions: the editors group, create_editor, and nobody else gets the desk."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from pledges.models import Evidence, ReviewState, StatusChange
from pledges.people import create_editor
from pledges.tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

EDITOR_PERMISSIONS = {
    "add_article", "change_article", "view_article",
    "add_budgetfigure", "change_budgetfigure", "view_budgetfigure",
    "add_category", "change_category", "view_category",
    "add_evidence", "change_evidence", "view_evidence",
    "add_jurisdiction", "change_jurisdiction", "view_jurisdiction",
    "add_milestone", "change_milestone", "delete_milestone", "view_milestone",
    "add_pledge", "change_pledge", "view_pledge",
    "add_pledgerevision", "view_pledgerevision",
    "add_promiser", "change_promiser", "view_promiser",
    "add_source", "change_source", "view_source",
    "add_statuschange", "view_statuschange",
    "view_similaritykey",
}  # fmt: skip


def test_the_migration_and_the_service_agree_on_the_editors_permissions():
    import importlib

    from pledges import people

    migration = importlib.import_module("pledges.migrations.0007_editors_desk")
    assert migration.EDITOR_PERMISSIONS == people.EDITOR_PERMISSIONS
    assert people.editor_codenames() == EDITOR_PERMISSIONS


def test_the_editors_group_has_exactly_what_an_editor_needs():
    from pledges.people import ensure_editors_group

    group = ensure_editors_group()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == EDITOR_PERMISSIONS
    assert not group.permissions.exclude(content_type__app_label="pledges").exists()
    assert not {"delete_evidence", "delete_statuschange", "change_statuschange"} & codenames


def test_create_editor_command_makes_a_staff_editor_without_a_password(capsys):
    out = io.StringIO()
    call_command("create_editor", "sora", "sora@example.org", "--no-input", stdout=out)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="sora")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["editors"]
    assert not user.has_usable_password()
    assert "changepassword sora" in out.getvalue()
    # Run again: the same account, still one group membership.
    call_command("create_editor", "sora", "sora@example.org", "--no-input", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="sora").count() == 1


def test_create_editor_refuses_a_bad_email():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_editor", "sora", "not-an-email", "--no-input", stdout=io.StringIO())


def test_an_editor_reviews_but_cannot_delete_evidence_history_or_manage_users(client):
    editor = create_editor(username="minji", email="m@example.org", password="pw-minji-1").user
    client.force_login(editor)
    evidence = EvidenceFactory(
        state=ReviewState.CONFIRMED, reviewer=editor, reviewed_at="2026-01-01T00:00Z"
    )
    assert client.get("/admin/pledges/evidence/?state__exact=suggested").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    delete = reverse("admin:pledges_evidence_delete", args=[evidence.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert client.get(reverse("admin:pledges_statuschange_add")).status_code == 200
    change = StatusChange.objects.first()
    if change is not None:
        url = reverse("admin:pledges_statuschange_delete", args=[change.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "staff without group", "not staff"])
def test_only_editors_get_the_desk(client, django_user_model, who):
    evidence = EvidenceFactory()
    if who == "staff without group":
        client.force_login(django_user_model.objects.create_user("guest", is_staff=True))
    elif who == "not staff":
        client.force_login(django_user_model.objects.create_user("reader"))
    queue = client.get("/admin/pledges/evidence/?state__exact=suggested")
    confirm = client.post(reverse("admin:pledges_evidence_confirm", args=[evidence.pk]))
    reject = client.post(
        reverse("admin:pledges_evidence_reject", args=[evidence.pk]), {"reason_text": "x"}
    )
    index = client.get("/admin/")
    if who == "staff without group":
        assert queue.status_code == 403
        assert confirm.status_code == 403 and reject.status_code == 403
        assert "검토 대기" not in index.content.decode()
    else:  # sent to the login page
        for response in (queue, confirm, reject, index):
            assert response.status_code == 302 and "/admin/login/" in response.url
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED
