"""Ingestion dedupe: similarity keys, and wire copies found and linked to their original."""

from __future__ import annotations

import pytest

from pledges import matching
from pledges.ingest.dedupe import similarity_keys
from pledges.ingest.store import store_article
from pledges.models import Evidence
from pledges.tests.ingest_samples import AI_CENTER, WEATHER

# --- similarity keys --------------------------------------------------------------------------


def test_similarity_keys_ignore_spacing_and_skip_short_texts():
    text = "\n".join(AI_CENTER)
    assert similarity_keys(text) == similarity_keys(text.replace(" ", ""))
    assert similarity_keys("짧은 글") == []


# --- wire copies ------------------------------------------------------------------------------


def _wire_copy(lines):
    return "\n".join(["[연합뉴스 제공]", *lines, "무단 전재 금지. 시험통신 기자"])


@pytest.mark.django_db
def test_wire_copy_under_another_outlet_is_linked_to_the_original(demo_data):
    original = store_article(
        title="광주, 국가AI컴퓨팅센터 유치 총력",
        body="\n".join(AI_CENTER),
        url="https://a.kr/1",
        outlet="가일보",
        published_at="2025-06-10",
    )
    copy = store_article(
        title="국가AI컴퓨팅센터 유치 나선 광주",
        body=_wire_copy(AI_CENTER),
        url="https://b.kr/77",
        outlet="나일보",
        published_at="2025-06-10T09:00:00+09:00",
    )
    other = store_article(
        title="내일 날씨", body="\n".join(WEATHER), url="https://b.kr/78", published_at="2025-06-10"
    )
    assert copy.created and copy.reason == "copy"
    assert copy.article.duplicate_of_id == original.article.pk
    assert other.article.duplicate_of_id is None
    assert matching.match_stored_article(copy.article.pk) == 0
    assert not Evidence.objects.filter(article=copy.article).exists()
    assert matching.match_stored_article(original.article.pk) >= 1


@pytest.mark.django_db
def test_copies_stored_at_the_same_moment_are_linked_when_matched(monkeypatch):
    monkeypatch.setattr("pledges.ingest.store.find_original", lambda **kwargs: None)
    first = store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1")
    second = store_article(title="b", body=_wire_copy(AI_CENTER), url="https://b.kr/2")
    monkeypatch.undo()
    assert second.article.duplicate_of_id is None
    matching.match_stored_article(second.article.pk)
    second.article.refresh_from_db()
    assert second.article.duplicate_of_id == first.article.pk
    matching.match_stored_article(first.article.pk)
    first.article.refresh_from_db()
    assert first.article.duplicate_of_id is None


@pytest.mark.django_db
def test_a_wire_copy_of_the_demo_article_is_linked_to_it(demo_data):
    seed = demo_data.article
    copy_text = seed.body.replace("정병호", "연합뉴스") + "\n(연합뉴스 제공)"
    result = store_article(
        title=seed.title,
        body=copy_text,
        url="https://wire.example.org/1",
        outlet="통신사",
        published_at=seed.published_at,
    )
    assert result.article.duplicate_of_id == seed.pk
    assert result.reason == "copy"


# --- the key table stays bounded ----------------------------------------------------------------


@pytest.mark.django_db
def test_keys_of_articles_stored_before_the_retention_are_pruned_and_recent_ones_kept(settings):
    import datetime as dt

    from django.utils import timezone

    from pledges.ingest.dedupe import prune_similarity_keys
    from pledges.models import Article, SimilarityKey
    from pledges.tasks import prune_similarity_keys_task

    settings.SIMILARITY_KEY_RETENTION_DAYS = 30
    old = store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1").article
    new = store_article(title="b", body="\n".join(WEATHER * 3), url="https://b.kr/2").article
    Article.objects.filter(pk=old.pk).update(fetched_at=timezone.now() - dt.timedelta(days=31))
    old_keys = SimilarityKey.objects.filter(article=old).count()
    new_keys = SimilarityKey.objects.filter(article=new).count()
    assert old_keys and new_keys

    assert prune_similarity_keys(batch_size=7) == old_keys  # several batches
    assert not SimilarityKey.objects.filter(article=old).exists()
    assert SimilarityKey.objects.filter(article=new).count() == new_keys
    assert Article.objects.filter(pk=old.pk).exists()  # only the index row goes
    assert prune_similarity_keys_task.apply().get() == 0  # nothing left to prune


@pytest.mark.django_db
def test_a_copy_of_a_recent_article_is_still_found_after_pruning():
    from pledges.ingest.dedupe import prune_similarity_keys

    original = store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1")
    prune_similarity_keys()
    copy = store_article(title="b", body=_wire_copy(AI_CENTER), url="https://b.kr/9")
    assert copy.article.duplicate_of_id == original.article.pk


def test_pruning_refuses_a_negative_retention():
    from pledges.ingest.dedupe import prune_similarity_keys

    with pytest.raises(ValueError):
        prune_similarity_keys(older_than_days=-1)
