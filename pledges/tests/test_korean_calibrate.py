"""The calibrator learned from editors' decisions (synthetic decisions written for the tests)."""

from __future__ import annotations

import json
import random

from pledges.korean import PledgeSpec, match_article
from pledges.korean.calibrate import MIN_DECISIONS, Calibrator, fit


def decisions(n: int, seed: int = 7) -> list[tuple[dict[str, float], bool]]:
    """Editors reject passing mentions far more often than the rule score says."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        passing = float(rnd.random() < 0.5)
        score = 0.5 + 0.5 * rnd.random()
        confirmed = rnd.random() < (0.15 if passing else 0.9)
        out.append(({"rule_score": score, "passing": passing, "noise": rnd.random()}, confirmed))
    return out


def test_fit_recovers_the_sign_of_a_feature():
    calibrator = fit(decisions(300))
    assert calibrator.fitted
    assert calibrator.weights["passing"] < -1.0
    features = {"rule_score": 0.8, "passing": 1.0}
    assert calibrator.predict(features) < 0.5 < calibrator.predict({**features, "passing": 0.0})


def test_explain_names_the_feature_that_weighed_most():
    calibrator = fit(decisions(300))
    top_name, top_value = calibrator.explain({"rule_score": 0.6, "passing": 1.0})[0]
    assert top_name == "passing"
    assert top_value < 0


def test_fewer_decisions_than_the_minimum_return_the_prior():
    calibrator = fit(decisions(MIN_DECISIONS - 1))
    assert not calibrator.fitted
    assert calibrator.predict({"rule_score": 0.73, "passing": 1.0}) == 0.73


def test_one_class_only_returns_the_prior():
    all_confirmed = [(f, True) for f, _ in decisions(50)]
    assert not fit(all_confirmed).fitted


def test_few_decisions_stay_closer_to_the_prior_than_an_unregularised_fit():
    few = decisions(MIN_DECISIONS, seed=3)
    regularised, loose = fit(few), fit(few, l2=0.01)

    def drift(c: Calibrator) -> float:
        return sum(abs(c.predict({"rule_score": s}) - s) for s in (0.55, 0.7, 0.9))

    assert drift(regularised) < drift(loose)
    assert abs(regularised.prior_weight - 1.0) < abs(loose.prior_weight - 1.0)


def test_json_round_trip():
    calibrator = fit(decisions(100))
    text = calibrator.to_json()
    json.loads(text)
    again = Calibrator.from_json(text)
    assert again == calibrator
    assert Calibrator.from_json(calibrator.to_dict()) == calibrator
    features = {"rule_score": 0.66, "passing": 1.0, "noise": 0.2}
    assert again.predict(features) == calibrator.predict(features)


def test_unknown_features_count_as_absent():
    calibrator = fit(decisions(100))
    base = {"rule_score": 0.8, "passing": 0.0}
    assert calibrator.predict({**base, "outlet:unknown": 1.0}) == calibrator.predict(base)


def test_match_article_applies_a_calibrator_and_keeps_the_rule_score():
    spec = PledgeSpec(slug="b", title="부산 해양금융 허브 구축", region_terms=("부산",))
    text = "부산시는 해양금융 허브 조성에 속도를 낸다. 관련 조례도 정비한다."
    plain = match_article("", text, [spec], review_threshold=0.0)
    strict = Calibrator(bias=-4.0, fitted=True)
    calibrated = match_article("", text, [spec], review_threshold=0.0, calibrators={"b": strict})
    assert calibrated[0].score < plain[0].score
    assert calibrated[0].features["rule_score"] == plain[0].score
    assert match_article("", text, [spec], review_threshold=0.5, calibrators={"b": strict}) == []


# --- a deliberate rule error, fixed by the editors' decisions ------------------------------------
NOISY = PledgeSpec(
    slug="valley",
    title="광주 AX 실증밸리 조성",
    aliases=(
        "AX 실증밸리",
        "인공지능",
    ),  # "인공지능": a generic word typed in as an alias by mistake
    region_terms=("광주",),
)
ABOUT = (
    "광주시가 AX 실증밸리 조성 사업의 기본계획을 확정했다.",
    "광주 AX 실증밸리에는 기업 지원 시설이 들어선다.",
    "광주시는 인공지능 실증 장비를 AX 실증밸리에 모은다.",
    "광주 AX 실증밸리 입주 기업 모집이 시작됐다.",
)
GENERIC = (
    "광주의 한 고등학교가 인공지능 동아리를 만들었다.",
    "광주 시립도서관은 인공지능 강좌를 연다.",
    "광주에서 인공지능 스피커를 쓰는 노인이 늘었다.",
    "광주 상인들이 인공지능 주문 기기를 들였다.",
)
FILL = (
    "행사에는 시민 200여 명이 참석했다.",
    "관계자는 앞으로도 협력을 이어가겠다고 말했다.",
    "자세한 내용은 누리집에서 볼 수 있다.",
)


def noisy_articles(n: int, seed: int) -> list[tuple[str, bool]]:
    """Short articles: half about the valley, half only using the generic word in 광주 news."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        about = i % 2 == 0
        body = rnd.sample(ABOUT if about else GENERIC, 2) + rnd.sample(FILL, 2)
        out.append((" ".join(body), about))
    return out


def test_calibrator_learns_a_noisy_term_from_decisions_and_fixes_held_out_articles():
    def candidates(articles):
        for text, about in articles:
            [match] = match_article("", text, [NOISY], review_threshold=0.0)
            yield match, about

    train = [(m.features, about) for m, about in candidates(noisy_articles(MIN_DECISIONS, 1))]
    calibrator = fit(train)
    assert calibrator.fitted
    held_out = list(candidates(noisy_articles(20, 2)))
    rules_fp = sum(1 for m, about in held_out if m.score >= 0.5 and not about)
    calibrated = [(calibrator.predict(m.features), about) for m, about in held_out]
    assert rules_fp == 10  # the rules suggest every generic article
    assert all(p < 0.5 for p, about in calibrated if not about)  # the calibrator none
    assert all(p >= 0.5 for p, about in calibrated if about)  # and keeps every real one
    generic = next(m for m, about in held_out if not about)
    # and says why: the generic term weighs against, the pledge's own name for
    assert calibrator.weights["term:인공지능"] < 0 < calibrator.weights["term:AX 실증밸리"]
    assert "term:인공지능" in dict(calibrator.explain(generic.features, top=8))
