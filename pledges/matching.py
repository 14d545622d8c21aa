"""Bridge between the database and the pure Korean text engine: pledges → specs, matches → Evidence.

Machine matches only ever create or update *suggested* evidence; a reviewed row (confirmed or
rejected by an editor) is never touched by the matcher again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from pledges.ingest.dedupe import link_if_copy
from pledges.korean.match import (
    CompiledPledges,
    PledgeMatch,
    PledgeSpec,
    compile_pledges,
    match_article,
)
from pledges.korean.match_index import TermScanner
from pledges.korean.money import extract_amounts
from pledges.models import (
    Article,
    Evidence,
    MatchMethod,
    Pledge,
    RematchBatch,
    RematchRun,
    RematchState,
    ReviewState,
    pledge_book_token,
)

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


@dataclass(frozen=True)
class PledgeBook:
    """Every pledge compiled for the matcher (keys and the automaton), with its id by slug."""

    token: str
    compiled: CompiledPledges
    ids: dict[str, int]


_book: PledgeBook | None = None


def pledge_book() -> PledgeBook:
    """The compiled pledge book of this process, rebuilt when the book's version moved.

    Checked before each article (one primary-key read), so a worker picks up an editor's new
    terms at its next article, without a restart. Before the first recorded change (no version
    row) the book is read every time: correct, and only ever the case on an empty install."""
    global _book
    token = pledge_book_token()  # read before the pledges: a change meanwhile moves it again
    book = _book
    if book is not None and token and book.token == token:
        return book
    pledges = list(Pledge.objects.select_related("jurisdiction").order_by("code"))
    book = PledgeBook(
        token=token,
        compiled=compile_pledges(current_specs(pledges)),
        ids={p.slug: p.pk for p in pledges},
    )
    _book = book
    return book


def match_text(
    *,
    title: str,
    text: str,
    specs: Sequence[PledgeSpec] | CompiledPledges,
    threshold: float | None = None,
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
    if specs is None:
        # The whole book (cached per process): an article is scored as at its first match,
        # beside every other pledge, whichever pledges' suggestions are brought up to date.
        book = pledge_book()
        compiled: Sequence[PledgeSpec] | CompiledPledges = book.compiled
        ids = book.ids
    else:
        ids = dict(
            Pledge.objects.filter(slug__in=[s.slug for s in specs]).values_list("slug", "pk")
        )
        compiled = [s for s in specs if s.slug in ids]
    if only_slugs is not None:
        wanted = set(only_slugs)
        ids = {slug: pk for slug, pk in ids.items() if slug in wanted}
    text = article.normalized_body or article.body
    matches = [
        m
        for m in match_text(title=article.title, text=text, specs=compiled, threshold=threshold)
        if m.slug in ids
    ]
    matched_ids = [ids[m.slug] for m in matches]
    amounts = _amounts_in(text) if matches else []
    stored: list[Evidence] = []
    with transaction.atomic():
        for match in matches:
            fields = {
                "score": max(0.0, min(1.0, float(match.score))),
                "snippet": match.snippet,
                "matched_terms": list(match.terms),
                "amounts": amounts,
            }
            evidence = _upsert_suggestion(article=article, pledge_id=ids[match.slug], fields=fields)
            if evidence is not None:
                stored.append(evidence)
        withdrawn = Evidence.objects.filter(
            article=article, state=ReviewState.SUGGESTED, method=MatchMethod.AUTO
        ).exclude(pledge_id__in=matched_ids)
        if specs is not None or only_slugs is not None:
            withdrawn = withdrawn.filter(pledge_id__in=list(ids.values()))
        withdrawn.delete()
        Article.objects.filter(pk=article.pk).update(matched_at=timezone.now())
    return stored


def _upsert_suggestion(*, article: Article, pledge_id: int, fields: dict) -> Evidence | None:
    existing = Evidence.objects.filter(article=article, pledge_id=pledge_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Evidence.objects.create(
                    article=article,
                    pledge_id=pledge_id,
                    state=ReviewState.SUGGESTED,
                    method=MatchMethod.AUTO,
                    **fields,
                )
        except IntegrityError:
            # Another worker stored the same pair between our read and our insert.
            existing = Evidence.objects.get(article=article, pledge_id=pledge_id)
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
    slugs = list(pledge_slugs) if pledge_slugs is not None else None
    if not pledge_book().ids:
        return 0, 0
    articles = Article.objects.filter(duplicate_of__isnull=True)
    if since is not None:
        articles = articles.filter(
            Q(published_at__gte=since) | Q(published_at__isnull=True, fetched_at__gte=since)
        )
    done = suggestions = 0
    for article in articles.order_by("pk").iterator(chunk_size=200):
        suggestions += len(suggest_evidence_for_article(article=article, only_slugs=slugs))
        done += 1
        if progress:
            progress(done)
    return done, suggestions


# --- Re-matching one pledge after its terms changed, in batches on the match queue ----------

REMATCH_BATCH_IDS = 5000  # article ids per batch: a few seconds of scanning, a task each


def _rematch_articles_qs(run: RematchRun):
    articles = Article.objects.filter(duplicate_of__isnull=True)
    if run.since is not None:
        articles = articles.filter(
            Q(published_at__gte=run.since) | Q(published_at__isnull=True, fetched_at__gte=run.since)
        )
    return articles


def plan_rematch(*, pledge: Pledge, since: dt.datetime | None) -> tuple[RematchRun, list[int]]:
    """Record a re-match of ``pledge`` and split its articles into batches of ids. Returns the
    run and the ids of its batches, for the caller to queue (``run_rematch_batch`` each)."""
    run = RematchRun.objects.create(pledge=pledge, since=since, state=RematchState.RUNNING)
    run.terms = list(pledge_book().compiled.name_keys(pledge.slug))
    bounds = (
        _rematch_articles_qs(run)
        .order_by()
        .aggregate(first=models.Min("pk"), last=models.Max("pk"))
    )
    batches = []
    if bounds["first"] is not None:
        for first in range(bounds["first"], bounds["last"] + 1, REMATCH_BATCH_IDS):
            batches.append(
                RematchBatch(run=run, first_pk=first, last_pk=first + REMATCH_BATCH_IDS - 1)
            )
    RematchBatch.objects.bulk_create(batches)
    run.batches_total = len(batches)
    if not batches:
        run.state, run.finished_at = RematchState.DONE, timezone.now()
    run.save()
    return run, list(run.batches.order_by("first_pk").values_list("pk", flat=True))


def run_rematch_batch(batch_id: int) -> int:
    """Re-match, against the run's pledge, the articles of one batch that name one of its
    terms or hold a suggestion for it (the only articles whose evidence for it can change).
    Safe to run twice: a batch is counted once. Returns the articles matched again."""
    batch = RematchBatch.objects.select_related("run__pledge").filter(pk=batch_id).first()
    if batch is None or batch.done_at is not None:
        return 0
    run, pledge = batch.run, batch.run.pledge
    # The pledge's terms as they are now (the run's terms are what it looked for at the start).
    scanner = TermScanner(pledge_book().compiled.name_keys(pledge.slug))
    in_range = _rematch_articles_qs(run).filter(pk__range=(batch.first_pk, batch.last_pk))
    suggested = set(
        Evidence.objects.filter(pledge=pledge, state=ReviewState.SUGGESTED, method=MatchMethod.AUTO)
        .filter(article__pk__range=(batch.first_pk, batch.last_pk))
        .values_list("article_id", flat=True)
    )
    scanned = matched = suggestions = 0
    for article in in_range.order_by("pk").iterator(chunk_size=500):
        scanned += 1
        text = article.normalized_body or article.body
        if article.pk in suggested or scanner.names_any(article.title, text):
            matched += 1
            suggestions += len(
                suggest_evidence_for_article(article=article, only_slugs=[pledge.slug])
            )
    with transaction.atomic():
        if not RematchBatch.objects.filter(pk=batch.pk, done_at__isnull=True).update(
            done_at=timezone.now()
        ):
            return matched  # another worker finished this batch first
        RematchRun.objects.filter(pk=run.pk).update(
            batches_done=F("batches_done") + 1,
            articles_scanned=F("articles_scanned") + scanned,
            articles_matched=F("articles_matched") + matched,
            suggestions=F("suggestions") + suggestions,
        )
        RematchRun.objects.filter(pk=run.pk, batches_done=F("batches_total")).update(
            state=RematchState.DONE, finished_at=timezone.now()
        )
    return matched
