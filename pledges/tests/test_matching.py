"""Matches become suggestions, never decisions; the match_articles command writes nothing."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pledges import review
from pledges.matching import (
    explain_suggestion,
    pledge_spec,
    refit_calibrator,
    suggest_evidence_for_article,
)
from pledges.models import Evidence, Pledge, PledgeRevision, ReviewState
from pledges.tests.factories import ArticleFactory, PledgeFactory

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


def test_the_suggestion_keeps_what_the_matcher_saw(demo_data):
    [evidence] = suggest_evidence_for_article(article=ax_article())
    features = evidence.match_features
    assert features["rule_score"] == pytest.approx(evidence.score, abs=1e-4)
    assert features["first_title"] == 1.0
    assert {"passing", "kind_alias", "region_same_sentence"} <= set(features)
    assert evidence.amounts[0]["budget"] is True


def test_pledge_spec_names_are_the_official_wordings(editor):
    pledge = PledgeFactory(title="수소트램 공약", original_text="빛고을 수소트램 1호선 건설")
    review.revise_pledge(
        pledge=pledge,
        kind=PledgeRevision.Kind.SCOPE_CHANGED,
        new_text="도심 순환 수소트램 2호선 건설",
        decided_by="광주광역시",
        decided_on=dt.date(2026, 1, 5),
    )
    spec = pledge_spec(pledge)
    assert spec.names == (
        "수소트램 공약",
        "빛고을 수소트램 1호선 건설",
        "도심 순환 수소트램 2호선 건설",
    )
    assert spec.aliases == ()


def test_the_pledges_own_wording_and_revisions_match_without_aliases(editor):
    pledge = PledgeFactory(title="수소트램 공약", original_text="빛고을 수소트램 1호선 건설")
    first = "광주시가 빛고을 수소트램 1호선 기본계획을 확정했다. 시는 내년 설계에 들어간다."
    second = "광주시가 도심 순환 수소트램 2호선 건설 기본계획을 확정했다. 설계는 내년이다."
    old_name = ArticleFactory(title="광주 트램 계획", body=first, normalized_body=first)
    new_name = ArticleFactory(title="광주 트램 계획 변경", body=second, normalized_body=second)
    assert [e.pledge for e in suggest_evidence_for_article(article=old_name)] == [pledge]
    assert suggest_evidence_for_article(article=new_name) == []
    # The pledge is formally changed: its revised wording is a name from now on.
    review.revise_pledge(
        pledge=pledge,
        kind=PledgeRevision.Kind.SCOPE_CHANGED,
        new_text="도심 순환 수소트램 2호선 건설",
        decided_by="광주광역시",
        decided_on=dt.date(2026, 1, 5),
    )
    [evidence] = suggest_evidence_for_article(article=new_name)
    assert evidence.pledge == pledge
    assert evidence.matched_terms == ["도심 순환 수소트램 2호선"]


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
    # A pledge known to the matcher only by an alias (its title and original text name nothing
    # in the article): once an editor removes the alias, a re-match no longer finds it.
    pledge = PledgeFactory(
        title="도심 교통 공약",
        original_text="도심 교통을 개선한다",
        match_aliases=["빛고을 수소트램"],
    )
    text = "광주시가 빛고을 수소트램 기본계획을 확정했다. 시는 내년 설계에 들어간다."
    article = ArticleFactory(title="광주 빛고을 수소트램 계획", body=text, normalized_body=text)
    assert [e.pledge for e in suggest_evidence_for_article(article=article)] == [pledge]
    pledge.match_aliases = ["전혀 다른 사업명"]
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


# --- Learning from the editors --------------------------------------------------------------


def outlet_article(outlet: str, n: int):
    body = f"{AX_TEXT} 관련 기사 {outlet} {n}호."
    return ArticleFactory(
        title="광주 AX실증밸리 예타 면제", body=body, normalized_body=body, outlet=outlet
    )


def review_queue(editor, count: int, first: int = 0) -> None:
    """Editors who trust one outlet's stories about the pledge and reject another's."""
    for n in range(first, first + count):
        outlet = "믿을일보" if n % 2 else "홍보일보"
        [evidence] = suggest_evidence_for_article(article=outlet_article(outlet, n))
        if outlet == "믿을일보":
            review.confirm_evidence(evidence=evidence, reviewer=editor)
        else:
            review.reject_evidence(evidence=evidence, reviewer=editor, reason="홍보성 기사")


def test_the_calibrator_is_refitted_after_each_n_reviews_and_used(
    demo_data, editor, settings, django_capture_on_commit_callbacks
):
    settings.CALIBRATOR_REFIT_EVERY = 12
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    with django_capture_on_commit_callbacks(execute=True) as refits:
        review_queue(editor, 12)
    assert len(refits) == 1  # one refit queued after 12 reviews, not one per review
    pledge.refresh_from_db()
    assert pledge.reviews_since_refit == 0
    assert pledge.match_calibrator["decisions"] == 12
    assert pledge.match_calibrator["fitted"] is False  # below 20 decisions: the rules alone

    with django_capture_on_commit_callbacks(execute=True) as refits:
        review_queue(editor, 12, first=12)
    assert len(refits) == 1
    pledge.refresh_from_db()
    assert pledge.match_calibrator["fitted"] is True
    assert (pledge.match_calibrator["decisions"], pledge.match_calibrator["positives"]) == (24, 12)

    trusted = suggest_evidence_for_article(article=outlet_article("믿을일보", 100))
    promoted = suggest_evidence_for_article(article=outlet_article("홍보일보", 101))
    # Half the rule's confident suggestions were rejected: the calibrated score is no longer
    # the rule score (kept in the features), and the outlet the editors trust scores higher.
    assert trusted and trusted[0].score != trusted[0].match_features["rule_score"]
    # The same words from the outlet the editors always rejected now score lower, or not at all.
    assert not promoted or promoted[0].score < trusted[0].score
    why = explain_suggestion(trusted[0])
    assert why.calibrated
    assert "outlet:믿을일보" in dict(why.weights)


def test_the_calibrator_learns_only_from_reviewed_machine_evidence(demo_data, editor):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    [suggested] = suggest_evidence_for_article(article=outlet_article("믿을일보", 1))
    review.attach_article_manually(
        article=outlet_article("믿을일보", 2), pledge=pledge, reviewer=editor
    )
    calibrator = refit_calibrator(pledge)
    assert (calibrator.decisions, calibrator.fitted) == (0, False)
    review.confirm_evidence(evidence=suggested, reviewer=editor)
    assert refit_calibrator(pledge).decisions == 1


def test_editors_see_why_a_suggestion_was_made(demo_data, editor, client):
    [evidence] = suggest_evidence_for_article(article=ax_article())
    why = explain_suggestion(evidence)
    assert not why.calibrated and why.terms == evidence.matched_terms
    assert ("first_title", 1.0) in why.weights
    client.force_login(editor)
    page = client.get(reverse("admin:pledges_evidence_change", args=[evidence.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "first_title" in html and evidence.matched_terms[0] in html
