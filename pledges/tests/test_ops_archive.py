"""archive_public_data / restore_public_data: public data only, and a round trip to the byte."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pledges import review
from pledges.models import (
    Article,
    BudgetFigure,
    Evidence,
    FigureState,
    Pledge,
    PledgeRevision,
    ReviewState,
    StatusChange,
)
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)
from pledges.tests.prod_server import database_url_of_tests


def build_public_and_private_data(editor):
    """The demo data plus everything that must stay out of a public archive."""
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    confirmed = ConfirmedEvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="공개 근거 기사"), reviewer=editor
    )
    EvidenceFactory(pledge=pledge, article=ArticleFactory(title="검토 대기 기사"))
    rejected = EvidenceFactory(pledge=pledge, article=ArticleFactory(title="기각된 기사"))
    review.reject_evidence(evidence=rejected, reviewer=editor, reason="다른 사업")
    review.record_status_change(
        pledge=pledge,
        to_status="in_progress",
        effective_date=dt.date(2025, 7, 1),
        rationale="예타 면제 협의 시작",
        recorded_by=editor,
        evidence=[confirmed],
    )
    review.revise_pledge(
        pledge=pledge,
        kind="scope_changed",
        new_text="범위를 넓힌 공약",
        decided_by="광주광역시",
        decided_on=dt.date(2025, 7, 2),
        recorded_by=editor,
    )
    BudgetFigureFactory(pledge=pledge, state=FigureState.SUGGESTED, amount_krw=1)
    hidden = PledgeFactory(title="비공개 공약", is_published=False)
    ConfirmedEvidenceFactory(pledge=hidden, article=ArticleFactory(title="비공개 공약의 기사"))
    BudgetFigureFactory(pledge=hidden)
    return pledge


def archive_text() -> str:
    out = StringIO()
    from pledges.ops.archive import write_archive

    write_archive(out)
    return out.getvalue()


def test_the_archive_holds_public_data_only(db, editor):
    build_public_and_private_data(editor)
    text = archive_text()
    document = json.loads(text)
    models = {r["model"] for r in document["records"]}
    assert models >= {
        "pledges.pledge",
        "pledges.evidence",
        "pledges.article",
        "pledges.statuschange",
        "pledges.pledgerevision",
        "pledges.milestone",
        "pledges.budgetfigure",
        "pledges.promiser",
        "pledges.jurisdiction",
        "pledges.category",
    }
    for hidden in (
        "검토 대기 기사",
        "기각된 기사",
        "비공개 공약",
        "다른 사업",
        "editor@example.org",
    ):
        assert hidden not in text
    assert "공개 근거 기사" in text
    evidence_ids = {r["pk"] for r in document["records"] if r["model"] == "pledges.evidence"}
    assert evidence_ids == set(
        Evidence.objects.filter(state=ReviewState.CONFIRMED, pledge__is_published=True).values_list(
            "pk", flat=True
        )
    )
    for record in document["records"]:
        fields = record["fields"]
        if record["model"] == "pledges.article":
            assert fields["body"] == "" and fields["normalized_body"] == ""  # the publisher's
        if record["model"] == "pledges.statuschange":
            assert set(fields["evidence"]) <= evidence_ids
            assert fields["recorded_by"] is None
        if record["model"] == "pledges.budgetfigure":
            assert fields["state"] == FigureState.CONFIRMED
    # Same data, same bytes.
    assert archive_text() == text


def test_restore_refuses_a_database_that_is_not_empty(db, editor, tmp_path):
    build_public_and_private_data(editor)
    path = tmp_path / "public.json"
    call_command("archive_public_data", str(path))
    before = Pledge.objects.count()
    with pytest.raises(CommandError, match=r"not empty.*nothing was restored"):
        call_command("restore_public_data", str(path))
    assert Pledge.objects.count() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON file"),
        ('{"records": []}', "not a public-data archive"),
        ('{"format": "pledge-tracker-public-archive", "version": 9, "records": []}', "version 9"),
        (
            '{"format": "pledge-tracker-public-archive", "version": 1, "records": '
            '[{"model": "auth.user", "pk": 1, "fields": {}}]}',
            re.escape("not a public table: 'auth.user'"),
        ),
        (
            '{"format": "pledge-tracker-public-archive", "version": 1, "records": '
            '[{"model": "pledges.pledge", "pk": 1, "fields": {"code": "X", "promiser": 77}}]}',
            "nothing was restored",
        ),
    ],
)
def test_a_bad_archive_is_refused_with_a_clear_message(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("restore_public_data", str(path))
    assert not Pledge.objects.exists()


def test_archive_wipe_restore_archive_again_gives_the_same_bytes_and_new_rows_fit(
    transactional_db, editor, tmp_path
):
    build_public_and_private_data(editor)
    first = tmp_path / "first.json"
    call_command("archive_public_data", str(first))
    for model in (StatusChange, BudgetFigure, PledgeRevision, Evidence, Article, Pledge):
        model.objects.all().delete()
    from pledges.models import Category, Jurisdiction, Milestone, Promiser, SimilarityKey, Source

    for model in (Milestone, SimilarityKey, Source, Category, Promiser, Jurisdiction):
        model.objects.all().delete()
    call_command("restore_public_data", str(first), stdout=StringIO())
    second = tmp_path / "second.json"
    call_command("archive_public_data", str(second))
    assert second.read_bytes() == first.read_bytes()
    # Sequences were moved past the restored ids: editors can go on adding rows.
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    change = review.record_status_change(
        pledge=pledge,
        to_status="kept",
        effective_date=dt.date(2026, 1, 1),
        rationale="완공",
    )
    assert change.pk > max(r.pk for r in StatusChange.objects.exclude(pk=change.pk))
    assert Pledge.objects.get(pk=pledge.pk).status == "kept"


@pytest.mark.postgres
def test_round_trip_into_a_new_database(require_postgres, transactional_db, editor, tmp_path):
    """What an operator does: archive, create and migrate a new database, restore, archive."""
    build_public_and_private_data(editor)
    first = tmp_path / "first.json"
    call_command("archive_public_data", str(first))

    new_name = connection.settings_dict["NAME"] + "_restore"
    admin_url = database_url_of_tests().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{new_name}"')
        admin.execute(f'CREATE DATABASE "{new_name}"')
    try:
        env = {
            **os.environ,
            "DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/" + new_name,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
        }

        def manage(*args):
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            return result

        manage("migrate", "--noinput", "-v0")
        restored = manage("restore_public_data", str(first))
        assert "restored" in restored.stdout
        second = tmp_path / "second.json"
        manage("archive_public_data", str(second))
        assert second.read_bytes() == first.read_bytes()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')
