"""Learn from editors: every confirmed or rejected suggestion is a label.

The rule score stays the prior. A calibrator is a small logistic regression over the features a
``PledgeMatch`` carries (``match.FEATURE_NAMES``; one "term:…" indicator per term that fired, so
that a generic word editors keep rejecting learns a weight against it; plus any the caller adds,
e.g. an outlet):

    p = sigmoid(bias + prior_weight * logit(rule_score) + Σ weight_i * feature_i)

It is fitted by Newton's method with an L2 penalty that pulls ``prior_weight`` towards 1 and every
other weight towards 0, so with few decisions it stays close to the rules, and it moves away only
as far as the editors' decisions justify. Below ``MIN_DECISIONS`` decisions, or with only one
class (all confirmed or all rejected), ``fit`` returns the prior unchanged: a calibrator learned
from one kind of answer would only learn to say it again.

Pure Python (no numpy): a dozen features and a few hundred decisions per pledge take
milliseconds. Serialisable to and from JSON so that it can be stored per pledge.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MIN_DECISIONS", "Calibrator", "fit"]

MIN_DECISIONS = 20  # and both classes present
DEFAULT_L2 = 5.0  # about the weight of 20 decisions: few labels move the prior little
SCORE_FEATURE = "rule_score"
# Features that restate the score itself; the prior already carries them.
_SKIP = frozenset({SCORE_FEATURE})
_CLIP = 6.0  # logit of 0.9975: a rule score of 1.0 must not be an infinite input


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return max(-_CLIP, min(_CLIP, math.log(p / (1 - p))))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass
class Calibrator:
    """Features → calibrated probability. ``fitted=False``: the prior (the rule score)."""

    weights: dict[str, float] = field(default_factory=dict)
    prior_weight: float = 1.0
    bias: float = 0.0
    decisions: int = 0
    positives: int = 0
    fitted: bool = False
    l2: float = DEFAULT_L2

    def _terms(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        prior = self.prior_weight * _logit(float(features.get(SCORE_FEATURE, 0.5)))
        terms = [("prior", prior), ("bias", self.bias)]
        for name, w in self.weights.items():
            x = float(features.get(name, 0.0) or 0.0)
            if x and w:
                terms.append((name, w * x))
        return terms

    def predict(self, features: Mapping[str, float]) -> float:
        """Calibrated probability that an editor would confirm this suggestion."""
        if not self.fitted:
            return float(features.get(SCORE_FEATURE, 0.0))
        return _sigmoid(sum(v for _, v in self._terms(features)))

    def explain(self, features: Mapping[str, float], top: int = 5) -> list[tuple[str, float]]:
        """The contributions (in log-odds) that weighed most, largest first; "prior" is the
        rule score's own share."""
        if not self.fitted:
            return [("prior", _logit(float(features.get(SCORE_FEATURE, 0.5))))]
        terms = [t for t in self._terms(features) if t[0] != "bias" or t[1]]
        terms.sort(key=lambda t: -abs(t[1]))
        return [(name, round(v, 4)) for name, v in terms[:top]]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "weights": dict(self.weights),
            "prior_weight": self.prior_weight,
            "bias": self.bias,
            "decisions": self.decisions,
            "positives": self.positives,
            "fitted": self.fitted,
            "l2": self.l2,
        }

    @classmethod
    def from_json(cls, data: str | Mapping[str, Any]) -> Calibrator:
        d = json.loads(data) if isinstance(data, str) else dict(data)
        return cls(
            weights={str(k): float(v) for k, v in (d.get("weights") or {}).items()},
            prior_weight=float(d.get("prior_weight", 1.0)),
            bias=float(d.get("bias", 0.0)),
            decisions=int(d.get("decisions", 0)),
            positives=int(d.get("positives", 0)),
            fitted=bool(d.get("fitted", False)),
            l2=float(d.get("l2", DEFAULT_L2)),
        )


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a·x = b (a symmetric positive definite here) by Gaussian elimination."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        if abs(p) < 1e-12:
            continue
        for r in range(col + 1, n):
            f = m[r][col] / p
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        p = m[r][r]
        s = m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))
        x[r] = s / p if abs(p) >= 1e-12 else 0.0
    return x


def fit(
    examples: Iterable[tuple[Mapping[str, float], bool]],
    *,
    l2: float = DEFAULT_L2,
    min_decisions: int = MIN_DECISIONS,
    feature_names: Iterable[str] | None = None,
) -> Calibrator:
    """Fit on (features, confirmed) pairs; the prior below ``min_decisions`` or with one class.

    ``feature_names``: which features to use (default: every numeric feature seen).
    """
    data = [(dict(f), bool(y)) for f, y in examples]
    positives = sum(y for _, y in data)
    if len(data) < min_decisions or positives in (0, len(data)):
        return Calibrator(decisions=len(data), positives=positives, l2=l2)
    if feature_names is None:
        seen: dict[str, None] = {}
        for f, _ in data:
            for k, v in f.items():
                if k not in _SKIP and isinstance(v, int | float):
                    seen[k] = None
        names = list(seen)
    else:
        names = [n for n in feature_names if n not in _SKIP]
    # Column 0: the prior's logit (penalised towards 1); 1: bias; then the features (towards 0).
    rows = [
        [
            _logit(float(f.get(SCORE_FEATURE, 0.5))),
            1.0,
            *(float(f.get(n, 0.0) or 0.0) for n in names),
        ]
        for f, _ in data
    ]
    ys = [1.0 if y else 0.0 for _, y in data]
    d = len(names) + 2
    target = [1.0] + [0.0] * (d - 1)
    w = target[:]

    def loss(w: list[float]) -> float:
        total = 0.0
        for x, y in zip(rows, ys, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            # log(1 + e^z) - y z, stable
            total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
        return total + 0.5 * l2 * sum((a - t) ** 2 for a, t in zip(w, target, strict=True))

    current = loss(w)
    for _ in range(50):
        grad = [l2 * (a - t) for a, t in zip(w, target, strict=True)]
        hess = [[l2 if i == j else 0.0 for j in range(d)] for i in range(d)]
        for x, y in zip(rows, ys, strict=True):
            p = _sigmoid(sum(a * b for a, b in zip(w, x, strict=True)))
            r = p - y
            s = p * (1 - p)
            for i in range(d):
                if x[i]:
                    grad[i] += r * x[i]
                    si = s * x[i]
                    hrow = hess[i]
                    for j in range(d):
                        if x[j]:
                            hrow[j] += si * x[j]
        step = _solve(hess, grad)
        t = 1.0
        while t > 1e-4:
            candidate = [a - t * s for a, s in zip(w, step, strict=True)]
            value = loss(candidate)
            if value <= current:
                break
            t /= 2
        else:
            break
        improvement = current - value
        w, current = candidate, value
        if improvement < 1e-9:
            break
    return Calibrator(
        weights={n: round(v, 6) for n, v in zip(names, w[2:], strict=True)},
        prior_weight=round(w[0], 6),
        bias=round(w[1], 6),
        decisions=len(data),
        positives=positives,
        fitted=True,
        l2=l2,
    )
