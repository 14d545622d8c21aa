"""Near-duplicates (wire copies): content hash, MinHash band keys, the indexed look-up.

The same normalized body is the same article (``content_hash`` is unique in the database); a
near copy of a stored story is found through indexed MinHash band keys and linked to it with
``duplicate_of``, so the review queue sees each story once.

The key table grows by about 20 rows an article (millions of articles: tens of millions of
rows) but only recent articles are ever looked up (the window around a copy's date), so keys of
articles stored longer ago than ``SIMILARITY_KEY_RETENTION_DAYS`` are pruned daily
(``prune_similarity_keys``). Exact copies are still caught by ``content_hash`` after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from collections.abc import Collection

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from pledges.models import Article, Evidence, MatchMethod, ReviewState, SimilarityKey

SHINGLE_CHARS = 5
SIGNATURE_BANDS = 20
SIGNATURE_ROWS = 3
MIN_SHINGLES = 80
NEAR_DUPLICATE_JACCARD = 0.5
NEAR_DUPLICATE_CONTAINMENT = 0.8
NEAR_DUPLICATE_WINDOW = dt.timedelta(days=7)
_NON_WORD = re.compile(r"[\W_]+")
_MIX = 0x9E3779B1


def content_hash(normalized_text: str) -> str:
    """The identity of an article's text: the same normalized body is the same article."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[int]:
    """Character 5-grams of the text without spaces or punctuation (robust to re-spacing)."""
    key = _NON_WORD.sub("", (text or "").lower())
    return {
        zlib.crc32(key[i : i + SHINGLE_CHARS].encode("utf-8"))
        for i in range(max(0, len(key) - SHINGLE_CHARS + 1))
    }


def _shingle_strings(text: str) -> set[str]:
    """The same 5-grams as ``_shingles``, as strings: comparing two texts needs no hashing (2-3×
    faster than ``_shingles``, which the MinHash keys need: stable numbers across processes)."""
    key = _NON_WORD.sub("", (text or "").lower())
    return {key[i : i + SHINGLE_CHARS] for i in range(max(0, len(key) - SHINGLE_CHARS + 1))}


def similarity_keys(text: str) -> list[str]:
    """MinHash (one-permutation, binned) LSH band keys; none for short texts.

    Two texts share a band key with probability ≈ 1-(1-J³)²⁰ for shingle Jaccard J: 0.93 at
    J=0.5, 0.15 at J=0.2. Candidates are then verified on the real shingle sets.
    """
    shingles = _shingles(text)
    if len(shingles) < MIN_SHINGLES:
        return []
    bins = SIGNATURE_BANDS * SIGNATURE_ROWS
    minimum = [None] * bins
    for value in shingles:
        b = ((value * _MIX) & 0xFFFFFFFF) % bins
        if minimum[b] is None or value < minimum[b]:
            minimum[b] = value
    keys = []
    for band in range(SIGNATURE_BANDS):
        rows = minimum[band * SIGNATURE_ROWS : (band + 1) * SIGNATURE_ROWS]
        if any(r is None for r in rows):
            continue
        digest = zlib.crc32(",".join(map(str, rows)).encode("ascii"))
        keys.append(f"{band}:{digest:08x}")
    return keys


def index_similarity_keys(article: Article, keys: list[str]) -> None:
    """Store an article's band keys in the indexed table that find_original looks up."""
    SimilarityKey.objects.bulk_create(
        [SimilarityKey(article=article, key=key) for key in keys], ignore_conflicts=True
    )


def prune_similarity_keys(*, older_than_days: int | None = None, batch_size: int = 20_000) -> int:
    """Remove the band keys of articles stored (``fetched_at``) longer ago than the retention
    (default ``SIMILARITY_KEY_RETENTION_DAYS``), in batches so no long lock is held; returns
    how many keys went. By storage time, not publication: an archive imported today keeps its
    keys however old its articles are, so copies within it are still found."""
    days = settings.SIMILARITY_KEY_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 0:
        raise ValueError("older_than_days must be 0 or more")
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = SimilarityKey.objects.filter(article__fetched_at__lt=cutoff).order_by()
    deleted = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += SimilarityKey.objects.filter(pk__in=ids).delete()[0]


def _is_near_copy(a: set, b: set) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    jaccard = common / len(a | b)
    containment = common / min(len(a), len(b))
    return jaccard >= NEAR_DUPLICATE_JACCARD or containment >= NEAR_DUPLICATE_CONTAINMENT


def find_original(
    *,
    text: str,
    keys: list[str],
    published_at: dt.datetime | None,
    before_pk: int | None = None,
    exclude_pk: int | None = None,
    skip: Collection[int] = (),
    checked: list[int] | None = None,
) -> Article | None:
    """The earliest stored article (not itself a copy) of which ``text`` is a near copy.

    The first 50 candidates by id are compared. Those in ``skip`` were compared already (by
    the look at store time) and are not read again; the ids of the candidates found here to be
    no original are appended to ``checked``.
    """
    if not keys:
        return None
    # The articles sharing a band key first, read from the key index: as many as there are
    # possible copies, whatever the window holds. As one statement with the key table as a
    # subquery, the planner, with statistics older than the table's rows (a table filled since
    # its last ANALYZE), walked every article of the window and probed its keys (22 ms with
    # 800 articles in the window, growing with it; 0.3 ms this way). An article that shares no
    # key, as most do, costs this one read; so does the match step's second look when the
    # store step compared every candidate already.
    sharing = set(SimilarityKey.objects.filter(key__in=keys).values_list("article_id", flat=True))
    if exclude_pk is not None:
        sharing.discard(exclude_pk)
    if before_pk is not None:
        sharing = {pk for pk in sharing if pk < before_pk}
    if not sharing or sharing.issubset(skip):
        return None
    around = published_at or timezone.now()
    window = Q(published_at__range=(around - NEAR_DUPLICATE_WINDOW, around + NEAR_DUPLICATE_WINDOW))
    if published_at is None:
        window |= Q(
            published_at__isnull=True, fetched_at__gte=timezone.now() - 2 * NEAR_DUPLICATE_WINDOW
        )
    candidates = Article.objects.filter(window, pk__in=sorted(sharing), duplicate_of__isnull=True)
    candidates = candidates.order_by("pk")
    if skip:
        # The same first 50 candidates as the look that checked ``skip``; only the others (ids
        # first, a light read) have their text read and compared.
        ids = [pk for pk in candidates.values_list("pk", flat=True)[:50] if pk not in skip]
        if not ids:
            return None
        candidates = Article.objects.filter(pk__in=ids).order_by("pk")
    mine = None
    # One text a candidate (the normalized body, or the body of a row stored without one),
    # not both: up to 50 article texts are read here, twice an article.
    compared_text = Coalesce(
        NullIf(F("normalized_body"), Value("")), F("body"), output_field=TextField()
    )
    for candidate in candidates.only("pk").annotate(compared_text=compared_text)[:50]:
        if mine is None:
            mine = _shingle_strings(text)
        if _is_near_copy(mine, _shingle_strings(candidate.compared_text)):
            return candidate
        if checked is not None:
            checked.append(candidate.pk)
    return None


def link_if_copy(article: Article, *, checked: Collection[int] = ()) -> bool:
    """Second look for a wire copy, among articles stored before it (closes the race of two
    copies stored at the same moment). A copy's machine suggestions are withdrawn.

    ``checked``: the candidates the look at store time verified as no original (passed on
    with the match step): only articles that look could not see are read and compared, so an
    article's text is compared with each candidate once, not twice.
    """
    if article.duplicate_of_id:
        return True
    text = article.normalized_body or article.body
    keys = similarity_keys(text)
    original = find_original(
        text=text,
        keys=keys,
        published_at=article.published_at,
        before_pk=article.pk,
        skip=checked,
    )
    if original is None:
        return False
    with transaction.atomic():
        Article.objects.filter(pk=article.pk, duplicate_of__isnull=True).update(
            duplicate_of=original
        )
        Evidence.objects.filter(
            article=article, state=ReviewState.SUGGESTED, method=MatchMethod.AUTO
        ).delete()
    article.duplicate_of = original
    return True
