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
