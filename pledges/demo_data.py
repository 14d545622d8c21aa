"""Load the Gwangju 2025 demo data (pledges/demo/) idempotently: running it twice changes nothing.

The seed newspaper page is stored as an Article; its first item is confirmed evidence for the
four pledges, and every budget figure and rating rests on it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from pledges.budget_offers import refresh_open_offers
from pledges.budget_totals import refresh_budget_totals
from pledges.ingest.store import store_article
from pledges.korean.pages import split_newspaper_page
from pledges.models import (
    Article,
    BudgetFigure,
    Category,
    Evidence,
    FigureState,
    Jurisdiction,
    MatchMethod,
    Milestone,
    Pledge,
    Promiser,
    ReviewState,
    Source,
)
from pledges.review import record_status_change

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_FILE = DEMO_DIR / "gwangju_2025.json"
TERMS_FILE = Path(__file__).resolve().parent / "korean" / "terms_gwangju_2025.json"
SEOUL = ZoneInfo("Asia/Seoul")
DEMO_CORRECTION_NOTE = (
    "공개된 상태 정의에 맞춰 다시 평가했다 (데모 데이터 정정). "
    "Re-rated by the published status definitions (demo data correction)."
)


@dataclass
class DemoLoadResult:
    pledges: int
    status_changes_added: int
    budget_figures: int
    article: Article


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _matcher_terms() -> dict:
    if TERMS_FILE.exists():
        return json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return {"jurisdiction": {}, "pledges": {}}


@transaction.atomic
def load_gwangju_demo() -> DemoLoadResult:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    terms = _matcher_terms()

    jurisdictions = {}
    for row in data["jurisdictions"]:
        region = terms.get("jurisdiction", {})
        jurisdictions[row["slug"]], _ = Jurisdiction.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "aliases": region.get("aliases", []),
                "exclusions": region.get("exclusions", []),
            },
        )
    promisers = {
        row["slug"]: Promiser.objects.update_or_create(
            slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"}
        )[0]
        for row in data["promisers"]
    }
    categories = {
        row["slug"]: Category.objects.update_or_create(
            slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"}
        )[0]
        for row in data["categories"]
    }

    article = _load_seed_article(data["seed_page"])

    added_changes = 0
    figures = 0
    for row in data["pledges"]:
        pledge_terms = terms.get("pledges", {}).get(row["slug"], {})
        known_term_keys = {"keywords", "aliases", "exclusions", "title", "title_en", "summary"}
        defaults = {
            "code": row["code"],
            "title": row["title"],
            "title_en": row["title_en"],
            "summary": row["summary"],
            "summary_en": row["summary_en"],
            "source_document": row["source_document"],
            "source_page": row["source_page"],
            "promiser": promisers[row["promiser"]],
            "jurisdiction": jurisdictions[row["jurisdiction"]],
            "category": categories[row["category"]],
            "responsible_agency": row["responsible_agency"],
            "pledge_type": row["pledge_type"],
            "done_criteria": row["done_criteria"],
            "feasibility_study": row["feasibility_study"],
            "target_date": _date(row.get("target_date")),
            "match_keywords": pledge_terms.get("keywords", []),
            "match_aliases": pledge_terms.get("aliases", []),
            "match_exclusions": pledge_terms.get("exclusions", []),
            "match_config": {k: v for k, v in pledge_terms.items() if k not in known_term_keys},
        }
        pledge, _created = Pledge.objects.update_or_create(
            slug=row["slug"],
            defaults=defaults,
            create_defaults={**defaults, "original_text": row["original_text"]},
        )
        evidence = _confirmed_seed_evidence(article, pledge)
        status = row["status"]
        latest = pledge.latest_status_change()
        if latest is None or latest.to_status != status["to"]:
            # A database loaded from an older demo rated it otherwise: the history is
            # append-only, so the new rating is recorded as a correction, shown on /corrections/.
            record_status_change(
                pledge=pledge,
                to_status=status["to"],
                effective_date=_date(status["effective_date"]),
                rationale=status["rationale"],
                rationale_en=status.get("rationale_en", ""),
                broken_reason=status.get("broken_reason", ""),
                evidence=[evidence],
                checked_on=_date(data["seed_page"]["published"]),
                is_correction=latest is not None,
                correction_note=DEMO_CORRECTION_NOTE if latest is not None else "",
            )
            added_changes += 1
        seed_keys = {(f["stage"], f["funder"], f.get("fiscal_year")) for f in row["budget"]}
        for stale in BudgetFigure.objects.filter(
            pledge=pledge, evidence=evidence, as_of=_date(data["seed_page"]["published"])
        ):
            # A figure an older demo drew from the seed page and this one no longer does.
            if (stale.stage, stale.funder, stale.fiscal_year) not in seed_keys:
                stale.delete()
        for figure in row["budget"]:
            BudgetFigure.objects.update_or_create(
                pledge=pledge,
                stage=figure["stage"],
                funder=figure["funder"],
                fiscal_year=figure.get("fiscal_year"),
                as_of=_date(data["seed_page"]["published"]),
                defaults={
                    "amount_krw": figure["amount_krw"],
                    "period_start_year": figure.get("period_start_year"),
                    "period_end_year": figure.get("period_end_year"),
                    "source_text": figure.get("source_text", ""),
                    "is_lower_bound": figure.get("is_lower_bound", False),
                    "note": figure.get("note", ""),
                    "note_en": figure.get("note_en", ""),
                    "evidence": evidence,
                    "state": FigureState.CONFIRMED,
                    "confirmed_at": timezone.now(),
                },
            )
            figures += 1
        refresh_open_offers([evidence.pk])  # figures drawn from the seed page, in bulk
        refresh_budget_totals([pledge.pk])
        for milestone in row["milestones"]:
            Milestone.objects.update_or_create(
                pledge=pledge,
                kind=milestone["kind"],
                title=milestone["title"],
                defaults={
                    "title_en": milestone.get("title_en", ""),
                    "planned_date": _date(milestone.get("planned_date")),
                    "actual_date": _date(milestone.get("actual_date")),
                    "note": milestone.get("note", ""),
                    "evidence": evidence,
                },
            )
    return DemoLoadResult(
        pledges=len(data["pledges"]),
        status_changes_added=added_changes,
        budget_figures=figures,
        article=article,
    )


def _load_seed_article(seed: dict) -> Article:
    page_text = (DEMO_DIR / seed["file"]).read_text(encoding="utf-8")
    first = split_newspaper_page(page_text)[0]
    source, _ = Source.objects.update_or_create(
        name=seed["outlet"],
        defaults={
            "name_en": seed["outlet_en"],
            "kind": Source.Kind.PRINT,
            "homepage": seed["homepage"],
        },
    )
    published = dt.datetime.combine(_date(seed["published"]), dt.time(5, 0), tzinfo=SEOUL)
    # The same path as every ingested article: stored once, hashed and indexed for wire copies.
    return store_article(
        title=first.title,
        body=first.body,
        outlet=seed["outlet"],
        source=source,
        published_at=published,
        byline=first.byline or "",
    ).article


def _confirmed_seed_evidence(article: Article, pledge: Pledge) -> Evidence:
    """The seed article is the editors' own source for the demo: confirmed, tagged by hand."""
    from pledges.matching import match_text, pledge_spec

    matches = match_text(
        title=article.title,
        text=article.normalized_body,
        specs=[pledge_spec(pledge)],
        threshold=0.0,
    )
    match = matches[0] if matches else None
    evidence, _ = Evidence.objects.update_or_create(
        article=article,
        pledge=pledge,
        defaults={
            "state": ReviewState.CONFIRMED,
            "method": MatchMethod.MANUAL,
            "score": match.score if match else None,
            "snippet": match.snippet if match else "",
            "matched_terms": list(match.terms) if match else [],
            "reviewed_at": timezone.now(),
        },
    )
    return evidence
