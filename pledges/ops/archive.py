"""A JSON archive of all public data, and its restore into an empty database.

What is public, and so archived: published pledges with their promisers, regions and categories,
revisions, status history, milestones, confirmed budget figures and confirmed evidence with the
metadata of its articles (outlet, title, URL, dates, byline; not the article's text, which belongs
to its publisher). What is not: unpublished pledges, suggestions and rejections, incoming feeds,
the wire-copy index, user accounts (who reviewed is left empty) and article bodies.

Format: a JSON object ``{"format": ..., "version": 1, "records": [...]}`` with one record per
line, in Django's serialization shape (``{"model", "pk", "fields"}``), tables in dependency order
and rows by primary key, so the same data always gives the same bytes and ids survive a restore
(links to /pledges/<slug>/ and exported ids stay valid). Times are ISO 8601 with microseconds.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections import Counter
from collections.abc import Iterator
from typing import IO

from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Model, QuerySet

from pledges import selectors
from pledges.budget_offers import recount_all_open_offers
from pledges.budget_totals import STORED_FIELDS, recount_all_budget_totals
from pledges.models import (
    Article,
    BudgetFigure,
    Category,
    Evidence,
    Jurisdiction,
    Milestone,
    Pledge,
    PledgeRevision,
    Promiser,
    SimilarityKey,
    Source,
    StatusChange,
)

FORMAT = "pledge-tracker-public-archive"
VERSION = 1
# Dependency order: a row's foreign keys point to rows above it.
MODELS: list[type[Model]] = [
    Jurisdiction,
    Promiser,
    Category,
    Pledge,
    PledgeRevision,
    Article,
    Evidence,
    StatusChange,
    Milestone,
    BudgetFigure,
]
LABELS = {model._meta.label_lower: model for model in MODELS}
# Who did what is not public; a restored database has no such accounts anyway.
USER_FIELDS = {"recorded_by", "reviewer", "confirmed_by"}
ARTICLE_TEXT_FIELDS = {"body": "", "normalized_body": ""}


class ArchiveError(Exception):
    """The file is not an archive this version can restore, or the database is not empty."""


def _encode(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot archive {type(value).__name__}")


def _public_querysets() -> dict[type[Model], QuerySet]:
    pledges = selectors.published_pledges().order_by("pk")
    evidence = selectors.confirmed_evidence().filter(pledge__in=pledges).order_by("pk")
    return {
        Jurisdiction: Jurisdiction.objects.order_by("pk"),
        Promiser: Promiser.objects.order_by("pk"),
        Category: Category.objects.order_by("pk"),
        Pledge: pledges.select_related(None),
        PledgeRevision: PledgeRevision.objects.filter(pledge__in=pledges).order_by("pk"),
        Article: Article.objects.filter(evidence__in=evidence).distinct().order_by("pk"),
        Evidence: evidence.select_related(None),
        StatusChange: selectors.status_changes().filter(pledge__in=pledges).order_by("pk"),
        Milestone: selectors.milestones().filter(pledge__in=pledges).order_by("pk"),
        BudgetFigure: selectors.visible_budget_figures().filter(pledge__in=pledges).order_by("pk"),
    }


def _public_records() -> Iterator[dict]:
    querysets = _public_querysets()
    kept_ids = {
        model: set(querysets[model].values_list("pk", flat=True))
        for model in (Pledge, Article, Evidence)
    }
    for model in MODELS:
        for record in serializers.serialize("python", querysets[model].iterator(chunk_size=2000)):
            fields = record["fields"]
            for name in USER_FIELDS & fields.keys():
                fields[name] = None
            if model is Pledge:
                if fields["parent"] not in kept_ids[Pledge]:
                    fields["parent"] = None  # the parent is unpublished: not public
                # Sums of the figures archived below: recounted on restore, not copied.
                for name in STORED_FIELDS:
                    fields.pop(name, None)
            if model is Article:
                fields.update(ARTICLE_TEXT_FIELDS)
                fields["source"] = None  # incoming feeds are not public
                if fields["duplicate_of"] not in kept_ids[Article]:
                    fields["duplicate_of"] = None
            if model is Evidence:
                # The desk's count of undecided amounts: not public, and recounted on restore.
                fields.pop("open_offer_count", None)
            if model is StatusChange:
                fields["evidence"] = sorted(set(fields["evidence"]) & kept_ids[Evidence])
            if model in (Milestone, BudgetFigure) and fields["evidence"] not in kept_ids[Evidence]:
                fields["evidence"] = None
            yield record


def write_archive(out: IO[str]) -> Counter:
    """Write the archive to a text stream; returns the number of rows per table."""
    counts: Counter = Counter()
    out.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "records": [')
    separator = "\n"
    outermost = not connection.in_atomic_block
    with transaction.atomic():  # one consistent snapshot while the web and workers write
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for record in _public_records():
            out.write(separator)
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True, default=_encode))
            separator = ",\n"
            counts[record["model"]] += 1
    out.write("\n]}\n")
    return counts


def read_archive(stream: IO[str]) -> list[dict]:
    """The records of an archive file, checked for shape; ArchiveError says what is wrong."""
    try:
        document = json.load(stream)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"not a JSON file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError(f'not a public-data archive (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise ArchiveError(
            f"archive version {document.get('version')!r}; this tracker restores version {VERSION}"
        )
    records = document.get("records")
    if not isinstance(records, list):
        raise ArchiveError('"records" must be a list')
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or record.get("model") not in LABELS:
            label = record.get("model") if isinstance(record, dict) else record
            raise ArchiveError(f"record {number}: not a public table: {label!r}")
    return records


def ensure_empty_database() -> None:
    filled = [
        model._meta.verbose_name_plural
        for model in [*MODELS, Source, SimilarityKey]
        if model.objects.exists()
    ]
    if filled:
        raise ArchiveError(
            "the database is not empty (it holds "
            + ", ".join(str(name) for name in filled)
            + "); restore into a freshly migrated database"
        )


def restore_archive(stream: IO[str]) -> Counter:
    """Restore an archive into an empty database, all or nothing; returns rows per table."""
    records = read_archive(stream)
    counts: Counter = Counter()
    try:
        with transaction.atomic():
            ensure_empty_database()
            for number, item in enumerate(serializers.deserialize("python", records), start=1):
                try:
                    item.save()
                except (DatabaseError, ValueError) as exc:
                    raise ArchiveError(
                        f"record {number} ({item.object._meta.label_lower} {item.object.pk}): {exc}"
                    ) from exc
                counts[item.object._meta.label_lower] += 1
            # Suggested and rejected figures are not archived: the restored evidence's amounts
            # are counted against the figures that are.
            recount_all_open_offers()
            # Each pledge's stored money, from the confirmed figures restored.
            recount_all_budget_totals()
            # New rows must not collide with the restored ids (as loaddata does).
            statements = connection.ops.sequence_reset_sql(no_style(), MODELS)
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    except DeserializationError as exc:
        raise ArchiveError(f"a record does not fit the tables: {exc}") from exc
    except IntegrityError as exc:
        raise ArchiveError(f"the records are inconsistent: {exc}") from exc
    return counts
