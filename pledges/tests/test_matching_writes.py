"""Storing suggestions is cheap and safe: a fixed number of statements whatever the number of
pledges an article matches, nothing written when a re-match changes nothing, reviewed rows
never touched; the match step does not compare an article again with the stored articles its
store step already compared it with."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges import matching, tasks
from pledges.ingest import dedupe
from pledges.ingest.store import store_article
from pledges.matching import suggest_evidence_for_article
from pledges.models import Evidence, Jurisdiction, MatchMethod, ReviewState, SignalSuggestion
from pledges.tests.factories import ArticleFactory, JurisdictionFactory, PledgeFactory

pytestmark = pytest.mark.django_db

TRAM = "빛고을 수소트램"
TEXT = (
    "광주시가 빛고을 수소트램 기본계획을 확정했다. 시는 빛고을 수소트램 설계에 들어간다.\n"
    "광주시 관계자는 빛고을 수소트램이 내년 착공한다고 밝혔다."
)


def tram_pledges(count: int) -> list:
    gwangju = Jurisdiction.objects.filter(name="광주광역시").first() or JurisdictionFactory(
        name="광주광역시", aliases=["광주시", "광주"]
    )
    return [
        PledgeFactory(
            title=f"도심 교통 공약 {n}",
            original_text="도심 교통을 개선한다",
            match_aliases=[TRAM],
            jurisdiction=gwangju,
        )
        for n in range(count)
    ]


def tram_article(number: int = 0):
    text = f"{TEXT}\n기사 번호 {number}."
    return ArticleFactory(title="광주 빛고을 수소트램 계획", body=text, normalized_body=text)


def writes_of_one_match(article) -> list[str]:
    matching.pledge_book()  # compiled beforehand: only the article's own statements count
    with CaptureQueriesContext(connection) as queries:
        suggest_evidence_for_article(article=article)
    return [q["sql"] for q in queries.captured_queries]


def test_the_statements_do_not_grow_with_the_pledges_matched():
    tram_pledges(1)
    one = writes_of_one_match(tram_article())
    tram_pledges(5)
    six = writes_of_one_match(tram_article(1))
    assert Evidence.objects.count() == 1 + 6
    assert len(six) == len(one)
    # One savepoint: the function's own transaction (inside the test's), none per row.
    assert sum(sql.startswith("SAVEPOINT") for sql in six) == 1


def test_a_rematch_that_changes_nothing_writes_no_evidence():
    tram_pledges(3)
    article = tram_article()
    first = suggest_evidence_for_article(article=article)
    stamps = {e.pk: e.updated_at for e in first}
    again = writes_of_one_match(article)
    assert not [sql for sql in again if sql.startswith('UPDATE "pledges_evidence"')]
    assert not [sql for sql in again if sql.startswith('INSERT INTO "pledges_signalsuggestion"')]
    assert {e.pk: e.updated_at for e in Evidence.objects.filter(article=article)} == stamps


def test_a_suggestion_stored_before_is_brought_up_to_date_and_a_reviewed_one_is_kept(editor):
    changed, reviewed, kept = tram_pledges(3)
    article = tram_article()
    stale = Evidence.objects.create(
        article=article, pledge=changed, score=0.01, snippet="옛 문장", matched_terms=["옛"]
    )
    rejected = Evidence.objects.create(
        article=article,
        pledge=reviewed,
        state=ReviewState.REJECTED,
        reviewer=editor,
        reviewed_at=stale.created_at,
        reject_reason="관련 없음",
        snippet="옛 문장",
    )
    stored = suggest_evidence_for_article(article=article)
    assert {e.pledge_id for e in stored} == {changed.pk, kept.pk}
    stale.refresh_from_db()
    assert stale.score > 0.01 and TRAM in stale.snippet and stale.matched_terms != ["옛"]
    assert stale.updated_at > stale.created_at
    rejected.refresh_from_db()
    assert (rejected.state, rejected.snippet) == (ReviewState.REJECTED, "옛 문장")


def test_a_match_that_no_longer_holds_is_withdrawn_with_its_signals():
    [pledge] = tram_pledges(1)
    article = tram_article()
    [evidence] = suggest_evidence_for_article(article=article)
    SignalSuggestion.objects.create(
        pledge=pledge, evidence=evidence, kind="plan_adopted", source="text", start=0, happened=True
    )
    pledge.match_aliases = ["전혀 다른 사업명"]
    pledge.save()
    assert suggest_evidence_for_article(article=article) == []
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not SignalSuggestion.objects.filter(evidence_id=evidence.pk).exists()


def test_manual_evidence_is_not_withdrawn_by_the_matcher(editor):
    [pledge] = tram_pledges(1)
    article = ArticleFactory(title="날씨", body="내일은 맑겠다.", normalized_body="내일은 맑겠다.")
    manual = Evidence.objects.create(article=article, pledge=pledge, method=MatchMethod.MANUAL)
    assert suggest_evidence_for_article(article=article) == []
    assert Evidence.objects.filter(pk=manual.pk).exists()


# --- The wire-copy look, once per candidate ------------------------------------------------

STORY = [
    "광주시는 인공지능 집적단지 2단계 사업으로 AX 실증밸리를 조성한다고 10일 밝혔다.",
    "사업비는 2029년까지 9000억 원 규모이며 국비 957억 원은 아직 확보하지 못했다.",
    "시는 첨단3지구 4만7246제곱미터 부지에 실증 시설과 기업 지원 공간을 짓는다.",
    "예비타당성조사 면제 여부는 아직 정해지지 않아 정부와 협의를 이어가고 있다.",
    "시 관계자는 기업 유치와 인재 양성을 함께 추진하겠다고 말했다.",
]
OTHER = [
    "부산시는 해양 관광 활성화를 위해 항만 주변 산책로를 새로 정비한다고 밝혔다.",
    "시는 올해 안에 야간 경관 조명과 휴게 시설을 갖추고 관광객을 맞을 계획이다.",
    "부산시 관계자는 지역 상권과 연계한 축제도 함께 열겠다고 말했다.",
]


@pytest.fixture
def compared(monkeypatch):
    """The texts the wire-copy look compares (each candidate's, and the article's own)."""
    texts: list[str] = []
    real = dedupe._shingle_strings

    def spy(text):
        texts.append(text)
        return real(text)

    monkeypatch.setattr(dedupe, "_shingle_strings", spy)
    return texts


def test_a_candidate_compared_at_store_time_is_not_compared_again(compared):
    stored = store_article(title="AX 실증밸리", body="\n".join(STORY), url="https://a.kr/1")
    other_text = "\n".join(OTHER)
    story_keys = dedupe.similarity_keys(stored.article.normalized_body)
    checked: list[int] = []
    # The other text, looked up with the story's keys: the story is a candidate, and no original.
    args = {"text": other_text, "keys": story_keys, "published_at": None}
    assert dedupe.find_original(**args, checked=checked) is None
    assert checked == [stored.article.pk] and len(compared) == 2
    compared.clear()
    assert dedupe.find_original(**args, skip=checked) is None
    assert compared == []  # neither text read nor shingled again


def test_the_match_step_gets_what_the_store_step_compared(compared, monkeypatch):
    first = store_article(title="a", body="\n".join(STORY), url="https://a.kr/1")
    monkeypatch.setattr(dedupe, "NEAR_DUPLICATE_JACCARD", 1.1)  # nothing is a copy now
    monkeypatch.setattr(dedupe, "NEAR_DUPLICATE_CONTAINMENT", 1.1)
    second = store_article(title="b", body="\n".join(STORY[:4]), url="https://b.kr/2")
    assert second.reason == "new" and second.checked == (first.article.pk,)
    compared.clear()
    assert tasks.match_article_task(second.article.pk, checked=list(second.checked)) == 0
    assert compared == []
    # Without what the store step compared (the sweep's message), the look is made again.
    tasks.match_article_task(second.article.pk)
    assert len(compared) == 2


def test_the_wire_copy_look_starts_from_the_key_index_and_stops_when_no_key_is_shared():
    """The look reads the articles that share a band key first (not every article of the week,
    each probed for its keys), so an article that shares none, as most do, costs one read."""
    store_article(title="AX 실증밸리", body="\n".join(STORY), url="https://a.kr/1")
    other_text = "\n".join(OTHER)
    other_keys = dedupe.similarity_keys(other_text)
    assert other_keys  # long enough to have keys, none of them the story's
    with CaptureQueriesContext(connection) as queries:
        assert dedupe.find_original(text=other_text, keys=other_keys, published_at=None) is None
    assert len(queries) == 1
    assert "pledges_article" not in queries[0]["sql"]


def test_the_second_look_reads_no_article_when_the_first_compared_every_candidate():
    stored = store_article(title="AX 실증밸리", body="\n".join(STORY), url="https://a.kr/1")
    story_keys = dedupe.similarity_keys(stored.article.normalized_body)
    args = {"text": "\n".join(OTHER), "keys": story_keys, "published_at": None}
    checked: list[int] = []
    assert dedupe.find_original(**args, checked=checked) is None
    assert checked == [stored.article.pk]
    with CaptureQueriesContext(connection) as queries:
        assert dedupe.find_original(**args, skip=checked) is None
    assert len(queries) == 1 and "pledges_article" not in queries[0]["sql"]


def test_the_wire_copy_look_still_finds_the_earliest_original_among_many_sharing_keys():
    first = store_article(title="a", body="\n".join(STORY), url="https://a.kr/1")
    for n in range(3):  # unrelated articles between the original and the copy
        store_article(
            title=f"o{n}", body="\n".join(OTHER) + f"\n기사 {n}번", url=f"https://o.kr/{n}"
        )
    copy = store_article(title="b", body="\n".join(STORY[:4]), url="https://b.kr/2")
    assert copy.reason == "copy" and copy.article.duplicate_of_id == first.article.pk


def test_the_wire_copy_look_reads_one_text_a_candidate_and_falls_back_to_the_body():
    """A row stored without a normalized body (older imports) is compared on its body; the
    look never reads both texts of a candidate."""
    story = "\n".join(STORY)
    original = ArticleFactory(body=story, normalized_body="", content_hash="0" * 64)
    keys = dedupe.similarity_keys(story)
    dedupe.index_similarity_keys(original, keys)
    with CaptureQueriesContext(connection) as queries:
        found = dedupe.find_original(text=story, keys=keys, published_at=original.published_at)
    assert found is not None and found.pk == original.pk
    reading = [q["sql"] for q in queries if '"pledges_article"."body"' in q["sql"]]
    assert len(reading) == 1 and "COALESCE" in reading[0]
    assert '"pledges_article"."normalized_body", "pledges_article"."body"' not in reading[0]
