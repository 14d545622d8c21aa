"""Bridge between the database and the pure Korean text engine: pledges → specs, matches → Evidence.

Machine matches only ever create or update *suggested* evidence; a reviewed row (confirmed or
rejected by an editor) is never touched by the matcher again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pledges.ingest.dedupe import link_if_copy
from pledges.korean.match import PledgeMatch, PledgeSpec, match_article
from pledges.korean.money import extract_amounts
from pledges.models import Article, Evidence, MatchMethod, Pledge, ReviewState

_SPEC_FIELDS = {f.name for f in dataclasses.fields(PledgeSpec)}


def pledge_spec(pledge: Pledge) -> PledgeSpec:
    """The matcher's view of a pledge, built only from data editors can edit."""
    values = {
        "slug": pledge.slug,
        "title": pledge.title,
        "title_en": pledge.title_en,
        "summary": pledge.summary,
        "keywords": tuple(pledge.match_keywords or ()),
        "aliases": tuple(pledge.match_aliases or ()),
        "exclusions": tuple(pledge.match_exclusions or ()),
        "region_terms": tuple(
            dict.fromkeys([pledge.jurisdiction.name, *(pledge.jurisdiction.aliases or ())])
        ),
        "region_exclusions": tuple(pledge.jurisdiction.exclusions or ()),
    }
    for key, value in (pledge.match_config or {}).items():
        if key in _SPEC_FIELDS and key not in {"slug"}:
            values[key] = tuple(value) if isinstance(value, list) else value
    return PledgeSpec(**{k: v for k, v in values.items() if k in _SPEC_FIELDS})


def current_specs(pledges: Iterable[Pledge] | None = None) -> list[PledgeSpec]:
    if pledges is None:
        pledges = Pledge.objects.select_related("jurisdiction").order_by("code")
    return [pledge_spec(p) for p in pledges]


def match_text(
    *, title: str, text: str, specs: Sequence[PledgeSpec], threshold: float | None = None
) -> list[PledgeMatch]:
    if threshold is None:
        threshold = settings.MATCH_REVIEW_THRESHOLD
    return match_article(title or "", text or "", specs, review_threshold=threshold)


def _amounts_in(text: str) -> list[dict]:
    """Every money amount of the article with its sentence, for editors to turn into figures."""
    return [
        {"text": a.text, "krw": a.krw, "funder": a.funder, "stage": a.stage, "sentence": a.sentence}
        for a in extract_amounts(text)
    ]


def suggest_evidence_for_article(
    *,
    article: Article,
    specs: Sequence[PledgeSpec] | None = None,
    threshold: float | None = None,
    only_slugs: Iterable[str] | None = None,
) -> list[Evidence]:
    """Match one stored article and bring its suggested evidence up to date. Safe to run twice.

    Suggestions that no longer reach the threshold are withdrawn; reviewed rows stay as they are.
    Copies of an already stored story (wire copies) are not matched: the original carries them.
    """
    if article.duplicate_of_id:
        return []
    pledges = Pledge.objects.select_related("jurisdiction")
    if only_slugs is not None:
        pledges = pledges.filter(slug__in=list(only_slugs))
    pledge_by_slug = {p.slug: p for p in pledges}
    if specs is None:
        specs = current_specs(pledge_by_slug.values())
    else:
        specs = [s for s in specs if s.slug in pledge_by_slug]
    text = article.normalized_body or article.body
    matches = match_text(title=article.title, text=text, specs=specs, threshold=threshold)
    matched_slugs = {m.slug for m in matches}
    amounts = _amounts_in(text) if matches else []
    stored: list[Evidence] = []
    with transaction.atomic():
        for match in matches:
            pledge = pledge_by_slug[match.slug]
            fields = {
                "score": max(0.0, min(1.0, float(match.score))),
                "snippet": match.snippet,
                "matched_terms": list(match.terms),
                "amounts": amounts,
            }
            evidence = _upsert_suggestion(article=article, pledge=pledge, fields=fields)
            if evidence is not None:
                stored.append(evidence)
        Evidence.objects.filter(
            article=article,
            pledge__slug__in=[s.slug for s in specs],
            state=ReviewState.SUGGESTED,
            method=MatchMethod.AUTO,
        ).exclude(pledge__slug__in=matched_slugs).delete()
        Article.objects.filter(pk=article.pk).update(matched_at=timezone.now())
    return stored


def _upsert_suggestion(*, article: Article, pledge: Pledge, fields: dict) -> Evidence | None:
    existing = Evidence.objects.filter(article=article, pledge=pledge).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Evidence.objects.create(
                    article=article,
                    pledge=pledge,
                    state=ReviewState.SUGGESTED,
                    method=MatchMethod.AUTO,
                    **fields,
                )
        except IntegrityError:
            # Another worker stored the same pair between our read and our insert.
            existing = Evidence.objects.get(article=article, pledge=pledge)
    if existing.state != ReviewState.SUGGESTED:
        return None
    Evidence.objects.filter(pk=existing.pk, state=ReviewState.SUGGESTED).update(
        **fields, updated_at=timezone.now()
    )
    existing.refresh_from_db()
    return existing


# --- Entry points for stored articles --------------------------------------------------------


def match_stored_article(article_id: int) -> int:
    """Link a wire copy or match an article into the review queue. Returns suggestions made."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    if link_if_copy(article):
        Article.objects.filter(pk=article.pk).update(matched_at=timezone.now())
        return 0
    return len(suggest_evidence_for_article(article=article))


def rematch_articles(
    *,
    pledge_slugs: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Match recent articles again (all pledges, or only these). Reviewed evidence stays as it
    is. Returns (articles matched, suggestions now standing)."""
    pledges = Pledge.objects.select_related("jurisdiction").order_by("code")
    slugs = None
    if pledge_slugs is not None:
        slugs = list(pledge_slugs)
        pledges = pledges.filter(slug__in=slugs)
    specs = current_specs(list(pledges))
    if not specs:
        return 0, 0
    articles = Article.objects.filter(duplicate_of__isnull=True)
    if since is not None:
        articles = articles.filter(
            Q(published_at__gte=since) | Q(published_at__isnull=True, fetched_at__gte=since)
        )
    done = suggestions = 0
    for article in articles.order_by("pk").iterator(chunk_size=200):
        suggestions += len(
            suggest_evidence_for_article(article=article, specs=specs, only_slugs=slugs)
        )
        done += 1
        if progress:
            progress(done)
    return done, suggestions
