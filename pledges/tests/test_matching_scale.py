"""The pledge book at scale: workers keep it compiled and see an editor's change at the next
article; re-matching a pledge reads only the articles naming its terms, in batches, with progress
an editor can follow; the search key finds pledges whatever the spacing."""

from __future__ import annotations

import pytest

from pledges import matching, tasks
from pledges.filters import PledgeFilter
from pledges.models import Evidence, Pledge, RematchBatch, RematchRun, RematchState, ReviewState
from pledges.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BODY = (
    "광주시는 빛그린 자율주행 실증단지 조성 사업을 본격 추진한다고 밝혔다.\n"
    "시는 빛그린 자율주행 실증단지에 시험 도로와 관제 센터를 갖출 계획이다.\n"
    "광주시 관계자는 빛그린 자율주행 실증단지가 미래차 산업의 거점이 될 것이라고 말했다."
)
OTHER = "부산시가 해양 관광 사업을 추진한다.\n시는 항만 주변 도로를 정비한다."


def article(title: str, body: str):
    return ArticleFactory(title=title, body=body, normalized_body=body)


def test_the_compiled_book_is_reused_until_an_editor_changes_a_pledge(demo_data):
    first = matching.pledge_book()
    assert matching.pledge_book() is first
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    pledge.match_aliases = [*pledge.match_aliases, "빛그린 자율주행 실증단지"]
    pledge.save()
    second = matching.pledge_book()
    assert second is not first
    assert "빛그린자율주행실증단지" in second.compiled.name_keys(pledge.slug)
    # A worker matching the next article uses the new term without a restart.
    story = article("빛그린 실증단지", BODY)
    assert matching.match_stored_article(story.pk) >= 1
    assert Evidence.objects.filter(article=story, pledge=pledge).exists()


def test_a_region_edit_moves_the_book_too(demo_data):
    first = matching.pledge_book()
    jurisdiction = Pledge.objects.get(slug="ai-mobility-pilot-city").jurisdiction
    jurisdiction.aliases = [*jurisdiction.aliases, "광주특별시"]
    jurisdiction.save()
    assert matching.pledge_book() is not first


def test_rematch_reads_only_articles_naming_the_terms_and_records_progress(demo_data, monkeypatch):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    story = article("빛그린 실증단지", BODY)
    others = [article(f"다른 소식 {n}", f"{OTHER}\n{n}번째 소식이다.") for n in range(3)]
    matched_ids: list[int] = []
    real = matching.suggest_evidence_for_article

    def spy(*, article, **kwargs):
        matched_ids.append(article.pk)
        return real(article=article, **kwargs)

    monkeypatch.setattr(matching, "suggest_evidence_for_article", spy)
    monkeypatch.setattr(matching, "REMATCH_BATCH_IDS", 2)  # several batches
    pledge.match_aliases = [*pledge.match_aliases, "빛그린 자율주행 실증단지"]
    pledge.save()
    result = tasks.rematch_pledge_task.delay(pledge.pk).get()

    assert story.pk in matched_ids
    assert not {o.pk for o in others} & set(matched_ids)
    assert Evidence.objects.get(article=story, pledge=pledge).state == ReviewState.SUGGESTED
    run = RematchRun.objects.get(pk=result["run_id"])
    assert run.state == RematchState.DONE and run.percent_done == 100
    assert run.batches_done == run.batches_total == result["batches"] > 1
    assert run.articles_scanned >= 4 and run.articles_matched >= 1 and run.suggestions >= 1
    assert "빛그린자율주행실증단지" in run.terms
    # A batch delivered twice is counted once.
    batch = RematchBatch.objects.filter(run=run).first()
    assert tasks.rematch_batch_task.delay(batch.pk).get() == 0
    assert RematchRun.objects.get(pk=run.pk).batches_done == run.batches_total


def test_rematch_withdraws_a_suggestion_whose_term_was_removed(demo_data):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    pledge.match_aliases = [*pledge.match_aliases, "빛그린 자율주행 실증단지"]
    pledge.save()
    story = article("빛그린 실증단지", BODY)
    matching.match_stored_article(story.pk)
    assert Evidence.objects.filter(article=story, pledge=pledge).exists()
    pledge.match_aliases = pledge.match_aliases[:-1]
    pledge.save()
    tasks.rematch_pledge_task.delay(pledge.pk).get()
    assert not Evidence.objects.filter(article=story, pledge=pledge).exists()


def test_the_admin_shows_rematch_progress(demo_data, client, editor):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    article("빛그린 실증단지", BODY)
    tasks.rematch_pledge_task.delay(pledge.pk).get()
    client.force_login(editor)
    page = client.get("/admin/pledges/rematchrun/")
    assert page.status_code == 200
    assert "100%" in page.content.decode()


@pytest.mark.parametrize(
    "query", ["국가AI컴퓨팅센터", "국가 AI 컴퓨팅 센터", "국가 인공지능 컴퓨팅"]
)
def test_search_ignores_spacing_and_reads_인공지능_as_ai(demo_data, query):
    found = PledgeFilter({"q": query}, queryset=Pledge.objects.all()).qs
    assert "national-ai-computing-center" in {p.slug for p in found}


def test_search_key_follows_an_edited_title(demo_data):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    pledge.title = "AI 모빌리티 국가시범도시 빛그린"
    pledge.save(update_fields=["title"])
    found = PledgeFilter({"q": "빛 그린"}, queryset=Pledge.objects.all()).qs
    assert [p.slug for p in found] == ["ai-mobility-pilot-city"]
