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
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pledges.ingest.dedupe import link_if_copy
from pledges.korean.calibrate import Calibrator, fit
from pledges.korean.match import FEATURE_NAMES, PledgeMatch, PledgeSpec, match_article
from pledges.korean.money import extract_article_amounts
from pledges.korean.signals import StatusSignal, extract_status_signals
from pledges.models import (
    Article,
    Evidence,
    MatchMethod,
    Pledge,
    ReviewState,
    SignalState,
    SignalSuggestion,
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


def _pledges_for_matching():
    return Pledge.objects.select_related("jurisdiction").prefetch_related("revisions")


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


def match_text(
    *,
    title: str,
    text: str,
    specs: Sequence[PledgeSpec],
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
    pledges = _pledges_for_matching()
    if only_slugs is not None:
        pledges = pledges.filter(slug__in=list(only_slugs))
    pledge_by_slug = {p.slug: p for p in pledges}
    if specs is None:
        specs = current_specs(pledge_by_slug.values())
    else:
        specs = [s for s in specs if s.slug in pledge_by_slug]
    text = article.normalized_body or article.body
    matches = match_text(
        title=article.title,
        text=text,
        specs=specs,
        threshold=threshold,
        calibrators=stored_calibrators(pledge_by_slug.values()),
        outlet=article.outlet,
    )
    matched_slugs = {m.slug for m in matches}
    amounts = _amounts_in(article.title, text) if matches else []
    signals_by_region: dict[tuple[str, ...], list[StatusSignal]] = {}
    stored: list[Evidence] = []
    with transaction.atomic():
        for match in matches:
            pledge = pledge_by_slug[match.slug]
            fields = {
                "score": max(0.0, min(1.0, float(match.score))),
                "snippet": match.snippet,
                "matched_terms": list(match.terms),
                "amounts": amounts,
                "match_features": {k: float(v) for k, v in match.features.items()},
            }
            evidence = _upsert_suggestion(article=article, pledge=pledge, fields=fields)
            if evidence is None:
                continue
            stored.append(evidence)
            region = region_terms(pledge)
            if region not in signals_by_region:
                signals_by_region[region] = _signals_in(article, text, region)
            _store_signals(evidence=evidence, signals=signals_by_region[region])
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


def _store_signals(*, evidence: Evidence, signals: Sequence[StatusSignal]) -> None:
    """Bring the evidence's suggested signals up to date: one row per kind and place, reviewed
    rows never touched, signals no longer found withdrawn."""
    existing = {(s.kind, s.source, s.start): s for s in evidence.signals.all()}
    found = set()
    new = []
    for signal in signals:
        key = (signal.kind, signal.source, signal.start)
        found.add(key)
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
        row = existing.get(key)
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
        elif row.state == SignalState.SUGGESTED:
            SignalSuggestion.objects.filter(pk=row.pk, state=SignalState.SUGGESTED).update(**fields)
    # A concurrent match of the same article may have stored them already: the constraint wins.
    SignalSuggestion.objects.bulk_create(new, ignore_conflicts=True)
    stale = [row.pk for key, row in existing.items() if key not in found]
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
    pledges = _pledges_for_matching().order_by("code")
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
