"""Bridge between the database and the pure Korean text engine: pledges → specs, matches → Evidence.

Machine matches only ever create or update *suggested* evidence; a reviewed row (confirmed or
rejected by an editor) is never touched by the matcher again. With each suggestion the matcher
stores what it saw (``Evidence.match_features``), the money amounts of the article, and the
status signals of the article for that pledge (``SignalSuggestion``, for editors to accept).

Learning from the editors: every confirm or reject of machine evidence is a label.
``refit_calibrator`` fits the engine's small logistic calibrator (``korean.calibrate``) on a
pledge's reviewed machine evidence, with the article's outlet as one more feature, and stores it
on the pledge; matching then scores that pledge with it (the rule score stays the prior, and
below 20 decisions, or with one kind of answer only, the calibrator is the rule score itself).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from pledges.budget_offers import open_offer_count, refresh_open_offers
from pledges.ingest.dedupe import link_if_copy
from pledges.korean.calibrate import Calibrator, fit
from pledges.korean.match import (
    FEATURE_NAMES,
    CompiledPledges,
    PledgeMatch,
    PledgeSpec,
    compile_pledges,
    match_article,
)
from pledges.korean.match_index import TermScanner
from pledges.korean.money import extract_article_amounts
from pledges.korean.signals import StatusSignal, extract_status_signals
from pledges.models import (
    Article,
    Evidence,
    MatchMethod,
    Pledge,
    RematchBatch,
    RematchRun,
    RematchState,
    ReviewState,
    SignalState,
    SignalSuggestion,
    pledge_book_changed,
    pledge_book_token,
)

_SPEC_FIELDS = {f.name for f in dataclasses.fields(PledgeSpec)}
OUTLET_FEATURE = "outlet:"  # + the outlet's name: 1.0 for the article's own outlet


def pledge_spec(pledge: Pledge) -> PledgeSpec:
    """The matcher's view of a pledge, built only from data editors can edit.

    ``names`` are the pledge's official wordings (title, original text, every revision's new
    text): the engine derives names from them, so the platform's own wording matches without
    being repeated as an alias.
    """
    revisions = [r.new_text for r in pledge.revisions.all()]
    values = {
        "slug": pledge.slug,
        "title": pledge.title,
        "title_en": pledge.title_en,
        "summary": pledge.summary,
        "keywords": tuple(pledge.match_keywords or ()),
        "aliases": tuple(pledge.match_aliases or ()),
        "names": tuple(
            dict.fromkeys(n for n in (pledge.title, pledge.original_text, *revisions) if n)
        ),
        "exclusions": tuple(pledge.match_exclusions or ()),
        "region_terms": region_terms(pledge),
        "region_exclusions": tuple(pledge.jurisdiction.exclusions or ()),
    }
    for key, value in (pledge.match_config or {}).items():
        if key in _SPEC_FIELDS and key not in {"slug"}:
            values[key] = tuple(value) if isinstance(value, list) else value
    return PledgeSpec(**{k: v for k, v in values.items() if k in _SPEC_FIELDS})


def region_terms(pledge: Pledge) -> tuple[str, ...]:
    """The pledge's region: its jurisdiction's name and aliases."""
    return tuple(dict.fromkeys([pledge.jurisdiction.name, *(pledge.jurisdiction.aliases or ())]))


# What the matcher reads of a pledge: a whole book of 10,000 pledges is read at once by every
# worker process, so the columns it does not use (long texts for pages) stay in the database.
_UNUSED_BY_MATCHER = (
    "summary_en",
    "source_document",
    "source_page",
    "source_url",
    "responsible_agency",
    "national_agenda_refs",
    "done_criteria",
    "search_key",
)


def _pledges_for_matching():
    return (
        Pledge.objects.select_related("jurisdiction")
        .prefetch_related("revisions")
        .defer(*_UNUSED_BY_MATCHER)
    )


def current_specs(pledges: Iterable[Pledge] | None = None) -> list[PledgeSpec]:
    if pledges is None:
        pledges = _pledges_for_matching().order_by("code")
    return [pledge_spec(p) for p in pledges]


def stored_calibrators(pledges: Iterable[Pledge]) -> dict[str, Calibrator]:
    """slug → the pledge's fitted calibrator (pledges without one are scored by the rules)."""
    calibrators = {}
    for pledge in pledges:
        if (pledge.match_calibrator or {}).get("fitted"):
            calibrators[pledge.slug] = Calibrator.from_json(pledge.match_calibrator)
    return calibrators


def with_outlet(features: Mapping[str, float], outlet: str) -> dict[str, float]:
    """The features a calibrator sees: the matcher's, plus the article's outlet."""
    out = dict(features)
    if outlet:
        out[OUTLET_FEATURE + outlet] = 1.0
    return out


@dataclass(frozen=True)
class PledgeBook:
    """Every pledge compiled for the matcher (keys and the automaton), with what matching needs
    beside the engine: each pledge's id, region (for status signals) and learned calibrator."""

    token: str
    compiled: CompiledPledges | Sequence[PledgeSpec]
    ids: dict[str, int]
    regions: dict[str, tuple[str, ...]]
    calibrators: dict[str, Calibrator]


def _book_of(pledges: Iterable[Pledge], token: str = "", compiled=None) -> PledgeBook:
    """One pass over ``pledges`` (an iterator is fine: no pledge object is kept)."""
    specs: list[PledgeSpec] = []
    ids: dict[str, int] = {}
    regions: dict[str, tuple[str, ...]] = {}
    calibrators: dict[str, Calibrator] = {}
    for pledge in pledges:
        if compiled is None:
            specs.append(pledge_spec(pledge))
        ids[pledge.slug] = pledge.pk
        regions[pledge.slug] = region_terms(pledge)
        calibrators.update(stored_calibrators([pledge]))
    return PledgeBook(
        token=token,
        compiled=compiled if compiled is not None else compile_pledges(specs),
        ids=ids,
        regions=regions,
        calibrators=calibrators,
    )


_book: PledgeBook | None = None


def pledge_book() -> PledgeBook:
    """The compiled pledge book of this process, rebuilt when the book's version moved.

    Checked before each article (one primary-key read), so a worker picks up an editor's new
    terms (and a refitted calibrator) at its next article, without a restart. Before the first
    recorded change (no version row) the book is read every time: correct, and only ever the
    case on an empty install."""
    global _book
    token = pledge_book_token()  # read before the pledges: a change meanwhile moves it again
    book = _book
    if book is not None and token and book.token == token:
        return book
    # In chunks: 10,000 pledge objects with their texts held at once cost a worker tens of MB
    # that Python does not give back.
    book = _book_of(_pledges_for_matching().order_by("code").iterator(chunk_size=1000), token)
    _book = book
    return book


def match_text(
    *,
    title: str,
    text: str,
    specs: Sequence[PledgeSpec] | CompiledPledges,
    threshold: float | None = None,
    calibrators: Mapping[str, Calibrator] | None = None,
    outlet: str = "",
) -> list[PledgeMatch]:
    """The pledges an article is about, best first. A pledge with a calibrator is scored by it
    (the outlet is one of its features, which the engine does not know: so it is applied here,
    on every candidate, before the threshold); ``features["rule_score"]`` keeps the rule score."""
    if threshold is None:
        threshold = settings.MATCH_REVIEW_THRESHOLD
    if not calibrators:
        return match_article(title or "", text or "", specs, review_threshold=threshold)
    candidates = match_article(title or "", text or "", specs, review_threshold=0.0)
    matches = []
    for match in candidates:
        calibrator = calibrators.get(match.slug)
        if calibrator is not None:
            score = round(calibrator.predict(with_outlet(match.features, outlet)), 4)
            match = dataclasses.replace(match, score=score)
        if match.score >= threshold:
            matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.slug))
    return matches


def _amounts_in(title: str, text: str) -> list[dict]:
    """Every money amount of the article (title once, then body) with its sentence, funder,
    stage and whether it is a budget figure at all, for editors to turn into figures."""
    return [
        {
            "text": a.text,
            "krw": a.krw,
            "funder": a.funder,
            "stage": a.stage,
            "budget": a.budget,
            "sentence": a.sentence,
        }
        for a in extract_article_amounts(title, text)
    ]


def suggest_evidence_for_article(
    *,
    article: Article,
    specs: Sequence[PledgeSpec] | None = None,
    threshold: float | None = None,
    only_slugs: Iterable[str] | None = None,
) -> list[Evidence]:
    """Match one stored article and bring its suggested evidence up to date. Safe to run twice.

    Suggestions that no longer reach the threshold are withdrawn (with their status signals);
    reviewed rows stay as they are. Copies of an already stored story (wire copies) are not
    matched: the original carries them.
    """
    if article.duplicate_of_id:
        return []
    if specs is None:
        # The whole book (cached per process): an article is scored as at its first match,
        # beside every other pledge, whichever pledges' suggestions are brought up to date.
        book = pledge_book()
    else:
        wanted_specs = {s.slug: s for s in specs}
        pledges = list(_pledges_for_matching().filter(slug__in=list(wanted_specs)))
        book = _book_of(pledges, compiled=[wanted_specs[p.slug] for p in pledges])
    ids = book.ids
    if only_slugs is not None:
        wanted_slugs = set(only_slugs)
        ids = {slug: pk for slug, pk in ids.items() if slug in wanted_slugs}
    text = article.normalized_body or article.body
    matches = [
        m
        for m in match_text(
            title=article.title,
            text=text,
            specs=book.compiled,
            threshold=threshold,
            calibrators=book.calibrators,
            outlet=article.outlet,
        )
        if m.slug in ids
    ]
    amounts = _amounts_in(article.title, text) if matches else []
    wanted = {
        ids[match.slug]: {
            "score": max(0.0, min(1.0, float(match.score))),
            "snippet": match.snippet,
            "matched_terms": list(match.terms),
            "amounts": amounts,
            "match_features": {k: float(v) for k, v in match.features.items()},
        }
        for match in matches
    }
    region_of = {ids[match.slug]: book.regions[match.slug] for match in matches}
    scope = set(ids.values()) if specs is not None or only_slugs is not None else None
    signals_by_region: dict[tuple[str, ...], list[StatusSignal]] = {}
    with transaction.atomic():
        stored, withdrawn = _write_suggestions(article=article, wanted=wanted, scope=scope)
        found = []
        for evidence in stored:
            region = region_of[evidence.pledge_id]
            if region not in signals_by_region:
                signals_by_region[region] = _signals_in(article, text, region)
            found.append((evidence, signals_by_region[region]))
        _store_signals(found)
        if withdrawn:
            # Their status signals go with them; a row reviewed meanwhile stays.
            Evidence.objects.filter(
                pk__in=withdrawn, state=ReviewState.SUGGESTED, method=MatchMethod.AUTO
            ).delete()
        Article.objects.filter(pk=article.pk).update(matched_at=timezone.now())
    return stored


def _write_suggestions(
    *, article: Article, wanted: dict[int, dict], scope: set[int] | None
) -> tuple[list[Evidence], list[int]]:
    """Bring the article's machine suggestions to ``wanted`` (pledge id → fields) in a few
    statements whatever the number of pledges: one INSERT of every pair (ON CONFLICT DO
    NOTHING: a stored row, reviewed or not, or a concurrent match's, is kept), one read of the
    article's evidence, and an UPDATE only for a suggestion whose fields changed. Reviewed
    rows are never touched. Returns the standing suggestions (in ``wanted``'s order) and the
    ids of machine suggestions no longer wanted (within ``scope``, pledge ids, if given).

    The stored count of open budget amounts goes with the amounts: a new row has no figures
    yet, so all its offered amounts are open; a row whose amounts changed is counted again
    against its figures (``budget_offers.refresh_open_offers``, one read and one UPDATE)."""
    if wanted:
        new_rows = [
            Evidence(
                article=article,
                pledge_id=pledge_id,
                state=ReviewState.SUGGESTED,
                method=MatchMethod.AUTO,
                **fields,
            )
            for pledge_id, fields in wanted.items()
        ]
        for row in new_rows:
            row.open_offer_count = open_offer_count(row, figures=())
        Evidence.objects.bulk_create(new_rows, ignore_conflicts=True)
    rows = {row.pledge_id: row for row in Evidence.objects.filter(article=article)}
    now = timezone.now()
    stored = []
    amounts_changed = []
    for pledge_id, fields in wanted.items():
        evidence = rows.get(pledge_id)
        if evidence is None or evidence.state != ReviewState.SUGGESTED:
            continue  # reviewed by an editor (or deleted meanwhile): not the matcher's
        changed = {
            name: value for name, value in fields.items() if getattr(evidence, name) != value
        }
        if changed:
            updated = Evidence.objects.filter(pk=evidence.pk, state=ReviewState.SUGGESTED).update(
                **changed, updated_at=now
            )
            if not updated:
                continue  # reviewed between our read and our write
            for name, value in {**changed, "updated_at": now}.items():
                setattr(evidence, name, value)
            if "amounts" in changed:
                amounts_changed.append(evidence.pk)
        stored.append(evidence)
    if amounts_changed:
        refresh_open_offers(amounts_changed)
    withdrawn = [
        row.pk
        for pledge_id, row in rows.items()
        if pledge_id not in wanted
        and row.state == ReviewState.SUGGESTED
        and row.method == MatchMethod.AUTO
        and (scope is None or pledge_id in scope)
    ]
    return stored, withdrawn


# --- Status signals ----------------------------------------------------------------------------


def _signals_in(article: Article, text: str, region: tuple[str, ...]) -> list[StatusSignal]:
    """The article's status events that argue for something: a status or a milestone. (Events
    that suggest neither, such as a budget request or a negated non-event, are not stored: an
    editor could not accept them.) ``region`` decides whether a siting names ours."""
    published = timezone.localdate(article.published_at) if article.published_at else None
    signals = extract_status_signals(
        article.title or "", text or "", region_terms=region, published=published
    )
    signals = [s for s in signals if s.suggested_status or s.milestone_kind]
    # A headline event the body reports too is one event: keep the body's sentence, which
    # carries its date and circumstances.
    in_text = {s.kind for s in signals if s.source == "text"}
    return [s for s in signals if s.source == "text" or s.kind not in in_text]


def _store_signals(found: Sequence[tuple[Evidence, Sequence[StatusSignal]]]) -> None:
    """Bring each evidence's suggested signals up to date: one row per kind and place, reviewed
    rows never touched, signals no longer found withdrawn. One read for all the evidence, one
    INSERT for the new rows; an UPDATE only for a suggested row that changed."""
    if not found:
        return
    existing: dict[int, dict[tuple, SignalSuggestion]] = {evidence.pk: {} for evidence, _ in found}
    for row in SignalSuggestion.objects.filter(evidence_id__in=list(existing)):
        existing[row.evidence_id][(row.kind, row.source, row.start)] = row
    new = []
    stale = []
    for evidence, signals in found:
        rows = existing[evidence.pk]
        keys = set()
        for signal in signals:
            key = (signal.kind, signal.source, signal.start)
            keys.add(key)
            fields = {
                "sentence": signal.sentence,
                "trigger": signal.trigger[:100],
                "date": signal.date,
                "date_text": (signal.date_text or "")[:50],
                "happened": signal.happened,
                "negated": signal.negated,
                "suggested_status": signal.suggested_status or "",
                "milestone_kind": signal.milestone_kind or "",
                "broken_reason": signal.broken_reason or "",
            }
            row = rows.get(key)
            if row is None:
                new.append(
                    SignalSuggestion(
                        pledge_id=evidence.pledge_id,
                        evidence=evidence,
                        kind=signal.kind,
                        source=signal.source,
                        start=signal.start,
                        **fields,
                    )
                )
            elif row.state == SignalState.SUGGESTED and any(
                getattr(row, name) != value for name, value in fields.items()
            ):
                SignalSuggestion.objects.filter(pk=row.pk, state=SignalState.SUGGESTED).update(
                    **fields
                )
        stale.extend(row.pk for key, row in rows.items() if key not in keys)
    # A concurrent match of the same article may have stored them already: the constraint wins.
    if new:
        SignalSuggestion.objects.bulk_create(new, ignore_conflicts=True)
    if stale:
        SignalSuggestion.objects.filter(pk__in=stale, state=SignalState.SUGGESTED).delete()


# --- Learning from the editors -----------------------------------------------------------------


def _reviewed_machine_evidence(pledge: Pledge):
    return (
        Evidence.objects.filter(
            pledge=pledge,
            method=MatchMethod.AUTO,
            state__in=[ReviewState.CONFIRMED, ReviewState.REJECTED],
        )
        .select_related("article")
        .order_by("pk")
    )


def refit_calibrator(pledge: Pledge) -> Calibrator:
    """Fit the pledge's calibrator on its reviewed machine evidence and store it. Safe to run
    twice. Until there are enough decisions of both kinds the stored calibrator is the prior
    (``fitted`` false): matching keeps the rule score."""
    examples = [
        (with_outlet(e.match_features, e.article.outlet), e.state == ReviewState.CONFIRMED)
        for e in _reviewed_machine_evidence(pledge)
        if e.match_features
    ]
    calibrator = fit(examples)
    stored = {**calibrator.to_dict(), "fitted_at": timezone.now().isoformat()}
    Pledge.objects.filter(pk=pledge.pk).update(match_calibrator=stored)
    pledge_book_changed()  # an update sends no signal: workers reload the book, calibrator too
    return calibrator


@dataclasses.dataclass(frozen=True)
class Explanation:
    """Why the matcher suggested an article for a pledge, for the editor reviewing it."""

    terms: list[str]
    sentence: str
    rule_score: float | None
    calibrated: bool
    # (feature, weight): log-odds contributions with a calibrator, else the rules' own features
    weights: list[tuple[str, float]]


def explain_suggestion(evidence: Evidence, top: int = 5) -> Explanation:
    features = evidence.match_features or {}
    stored = evidence.pledge.match_calibrator or {}
    calibrated = bool(stored.get("fitted")) and bool(features)
    if calibrated:
        calibrator = Calibrator.from_json(stored)
        weights = calibrator.explain(with_outlet(features, evidence.article.outlet), top=top)
    else:
        # No calibrator yet: the rules' features that fired, in the engine's order.
        weights = [
            (name, round(float(features[name]), 4))
            for name in FEATURE_NAMES
            if name != "rule_score" and features.get(name)
        ]
    return Explanation(
        terms=list(evidence.matched_terms or []),
        sentence=evidence.snippet,
        rule_score=features.get("rule_score"),
        calibrated=calibrated,
        weights=weights,
    )


# --- Entry points for stored articles --------------------------------------------------------


def match_stored_article(article_id: int, *, checked: Collection[int] = ()) -> int:
    """Link a wire copy or match an article into the review queue. Returns suggestions made.

    ``checked``: stored articles the store step already compared the text with and found to be
    no original of it (``StoreResult.checked``), skipped by the second wire-copy look."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    if link_if_copy(article, checked=checked):
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
