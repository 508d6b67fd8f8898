"""Theme suggestions for comments not yet coded, learnt from those that are: TF-IDF over the masked words and
a one-vs-rest logistic regression (scikit-learn), one yes/no model per theme; and how often the suggestions
agree with held-out human coding, by k-fold cross-validation over what is coded.

The models read masked text, so a child's name or a school never becomes a reason for a theme. A theme ticked
fewer than MIN_TICKED times (or on every comment) is not suggested: there is nothing to learn it from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

FLOOR = 30  # coded comments needed before suggestions are shown or measured
MIN_TICKED = 3  # a theme needs this many comments ticked (and as many not) to be learnt
THRESHOLD = 0.5  # a theme is suggested when the model gives it at least this probability
FOLDS = 5


@dataclass(frozen=True)
class Quality:
    """How often suggestions agree with held-out coding: `exact` the share of comments whose suggested set is
    exactly the coder's, `f1` per theme learnt; `reason` says why not when `enough` is false."""

    enough: bool
    coded: int
    reason: str
    folds: int = 0
    exact: float | None = None
    f1: dict[str, float] = field(default_factory=dict)


def learnable(labels: Sequence[Sequence[str]], themes: Sequence[str]) -> list[str]:
    """The themes there is enough to learn from: ticked, and left unticked, on MIN_TICKED comments at least."""
    counts = {t: sum(t in row for row in labels) for t in themes}
    return [t for t in themes if MIN_TICKED <= counts[t] <= len(labels) - MIN_TICKED]


def _model() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, strip_accents="unicode"),
                         OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=1000)))


def _matrix(labels: Sequence[Sequence[str]], themes: Sequence[str]) -> list[list[int]]:
    return [[int(t in row) for t in themes] for row in labels]


def _in_order(texts: Sequence[str], labels: Sequence[Sequence[str]]) -> tuple[list[str], list[Sequence[str]]]:
    """The coded comments in the order of their words, not of their (random) response ids, so that the same
    coding always gives the same suggestions."""
    pairs = sorted(zip(texts, labels, strict=True), key=lambda pair: (pair[0], sorted(pair[1])))
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def suggest(coded: Sequence[str], labels: Sequence[Sequence[str]], uncoded: Sequence[str],
            themes: Sequence[str]) -> list[list[str]]:
    """For each uncoded text, the themes suggested (none below the floor, or for themes not learnable)."""
    learnt = learnable(labels, themes)
    if len(coded) < FLOOR or not learnt or not uncoded:
        return [[] for _ in uncoded]
    coded, labels = _in_order(coded, labels)
    model = _model().fit(list(coded), _matrix(labels, learnt))
    probabilities = model.predict_proba(list(uncoded))
    return [[t for t, p in zip(learnt, row, strict=True) if p >= THRESHOLD] for row in probabilities]


def quality(texts: Sequence[str], labels: Sequence[Sequence[str]], themes: Sequence[str], *,
            folds: int = FOLDS, seed: int = 0) -> Quality:
    """Cross-validated agreement of suggestions with the human coding of `texts` (each fold's suggestions made
    by a model that never saw it)."""
    learnt = learnable(labels, themes)
    if len(texts) < FLOOR:
        return Quality(False, len(texts), f"too few coded yet: {len(texts)} of the {FLOOR} needed")
    if not learnt:
        return Quality(False, len(texts), f"no theme is ticked on {MIN_TICKED} comments or more yet")
    from sklearn.metrics import f1_score
    from sklearn.model_selection import KFold

    texts, labels = _in_order(texts, labels)
    truth = _matrix(labels, learnt)
    predicted: list[list[int]] = [[0] * len(learnt) for _ in texts]
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(list(texts)):
        train_labels = [labels[i] for i in train]
        fold_themes = learnable(train_labels, learnt)
        if not fold_themes:
            continue
        model = _model().fit([texts[i] for i in train], _matrix(train_labels, fold_themes))
        for i, row in zip(test, model.predict_proba([texts[i] for i in test]), strict=True):
            for theme, p in zip(fold_themes, row, strict=True):
                predicted[i][learnt.index(theme)] = int(p >= THRESHOLD)
    exact = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(texts)
    f1 = {theme: float(f1_score([t[j] for t in truth], [p[j] for p in predicted], zero_division=0))
          for j, theme in enumerate(learnt)}
    return Quality(True, len(texts), "", folds, exact, f1)
