"""Matches become suggestions, never decisions; the match_articles command writes nothing."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges import review
from pledges.matching import suggest_evidence_for_article
from pledges.models import Evidence, Pledge, ReviewState
from pledges.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

AX_TEXT = (
    "광주시가 추진하는 인공지능 2단계 사업인 AX 실증밸리 조성사업이 예비타당성조사 면제를 받았다. "
    "시는 국비 957억원 확보에 속도를 낸다."
)
UNRELATED = "경기 광주시가 시청 앞 도로를 정비한다. 공사는 다음 달 끝난다."


def ax_article(**kwargs):
    return ArticleFactory(
        title="광주 AX실증밸리 예타 면제", body=AX_TEXT, normalized_body=AX_TEXT, **kwargs
    )


def test_a_matching_article_becomes_a_suggestion_with_snippet_and_amounts(demo_data):
    article = ax_article()
    [evidence] = suggest_evidence_for_article(article=article)
    assert evidence.pledge.slug == "ax-demonstration-valley"
    assert evidence.state == ReviewState.SUGGESTED
    assert "AX" in evidence.snippet
    assert evidence.matched_terms
    assert {"text": "957억원", "krw": 95_700_000_000} == {
        k: evidence.amounts[0][k] for k in ("text", "krw")
    }
    article.refresh_from_db()
    assert article.matched_at is not None


def test_matching_twice_stores_one_suggestion(demo_data):
    article = ax_article()
    suggest_evidence_for_article(article=article)
    suggest_evidence_for_article(article=article)
    assert Evidence.objects.filter(article=article).count() == 1


def test_unrelated_article_gets_no_suggestion(demo_data):
    article = ArticleFactory(title="도로 정비", body=UNRELATED, normalized_body=UNRELATED)
    assert suggest_evidence_for_article(article=article) == []
    assert not Evidence.objects.filter(article=article).exists()


def test_rematch_never_touches_reviewed_evidence(demo_data, editor):
    article = ax_article()
    [evidence] = suggest_evidence_for_article(article=article)
    review.reject_evidence(evidence=evidence, reviewer=editor, reason="중복 보도")
    suggest_evidence_for_article(article=article)
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.REJECTED
    assert evidence.reject_reason == "중복 보도"


def test_suggestions_that_no_longer_match_are_withdrawn(demo_data):
    article = ax_article()
    suggest_evidence_for_article(article=article)
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    pledge.match_aliases = ["전혀 다른 사업명"]
    pledge.match_keywords = []
    pledge.title = "전혀 다른 사업"
    pledge.save()
    suggest_evidence_for_article(article=article)
    assert not Evidence.objects.filter(article=article, pledge=pledge).exists()


def test_wire_copies_are_not_matched_twice(demo_data):
    original = ax_article()
    copy = ArticleFactory(
        title=original.title,
        body=AX_TEXT + " (연합뉴스)",
        normalized_body=AX_TEXT + " (연합뉴스)",
        duplicate_of=original,
    )
    assert suggest_evidence_for_article(article=copy) == []


def test_match_articles_prints_one_json_line_per_input_and_writes_nothing(demo_data, tmp_path):
    source = tmp_path / "articles.jsonl"
    lines = [
        {"id": "ax", "title": "광주 AX실증밸리 예타 면제", "text": AX_TEXT},
        {"id": 7, "title": "도로 정비", "text": UNRELATED},
    ]
    source.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\nnot json\n",
        encoding="utf-8",
    )
    evidence_before = Evidence.objects.count()
    out, err = io.StringIO(), io.StringIO()
    call_command("match_articles", str(source), stdout=out, stderr=err)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["ax", 7]
    [ax] = results[0]["pledges"]
    assert ax["slug"] == "ax-demonstration-valley"
    assert set(ax) == {"slug", "score", "terms", "snippet"}
    assert 0 < ax["score"] <= 1 and ax["terms"] and ax["snippet"]
    assert results[1]["pledges"] == []
    assert "line 4" in err.getvalue()  # the broken line is reported, the rest still matched
    assert Evidence.objects.count() == evidence_before


def test_match_articles_without_pledges_says_what_to_do(db, tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text('{"id": 1, "title": "t", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="No pledges"):
        call_command("match_articles", str(source))
