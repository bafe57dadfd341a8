"""The answered fit of benchmarks/fit_ranking.py: stratified folds, the out-of-fold cross-validation that
chooses the threshold, and the sign constraint, on synthetic feature rows (the fit itself is pure numpy)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.search.answered import ANSWER_FEATURES

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "fit_ranking.py"


@pytest.fixture(scope="module")
def fit():
    spec = importlib.util.spec_from_file_location("fit_ranking", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def synthetic(n_answerable: int, n_unanswerable: int, seed: int = 0):
    """Rows whose constraint_gap tells the classes apart (with noise), other features noise."""
    rng = np.random.default_rng(seed)
    gold = np.array([True] * n_answerable + [False] * n_unanswerable)
    x = rng.normal(0, 0.1, (len(gold), len(ANSWER_FEATURES)))
    x[:, ANSWER_FEATURES.index("constraint_gap")] = np.where(gold, 0.0, 1.0) + rng.normal(0, 0.15, len(gold))
    return gold, x


def test_folds_partition_the_queries_with_their_share_of_unanswerable_ones_and_repeat(fit):
    gold = np.array([True] * 90 + [False] * 13)
    folds = fit.stratified_folds(gold, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(gold)))
    assert {int((~gold[f]).sum()) for f in folds} <= {2, 3}  # 13 unanswerable over 5 folds
    again = fit.stratified_folds(gold, 5)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again))
    assert not all(np.array_equal(a, b) for a, b in zip(folds, fit.stratified_folds(gold, 5, seed=1)))


def test_cross_validation_scores_each_query_with_a_model_fitted_without_it(fit):
    gold, x = synthetic(120, 30)
    gap = ANSWER_FEATURES.index("constraint_gap")
    x[0, gap] = 1.0  # an answerable query that looks unanswerable
    data = fit.AnswerData(list(x), np.ones(len(gold), dtype=bool), gold)
    result = fit.cross_validate_answered(data, 5)
    flagged, kept = result.nested
    assert flagged >= 0.8 and kept >= 0.95
    assert result.out_of_fold[0] < result.threshold  # out of fold, it is flagged like the ones it resembles
    # a query the engine decides without the model keeps its flag
    data.features[1] = None
    assert fit.cross_validate_answered(data, 5).out_of_fold[1] == np.inf


def test_a_feature_that_can_only_count_against_an_answer_is_held_at_zero_when_it_fits_the_other_way(fit):
    gold, x = synthetic(60, 20, seed=3)
    gap = ANSWER_FEATURES.index("constraint_gap")
    x[:, gap] = np.where(gold, 1.0, 0.0) + np.random.default_rng(4).normal(0, 0.5, len(gold))  # with answerable ones
    fitted, _ = fit._logistic_with_intercept(x, gold.astype(float), fit.ANSWER_L2, np.zeros(len(ANSWER_FEATURES)))
    assert fitted[gap] > 0  # unconstrained, it would say so
    weights, _ = fit.fit_answer_weights(x, gold.astype(float))
    assert weights[gap] == 0


def test_batches_and_unanswerable_classes_are_read_from_ids_and_notes(fit):
    assert [fit.batch_of(i) for i in ("e-000-001", "e-none-004", "e-b2-none-003", "e-b3-dogs-005", "e-b12-x")] \
        == [1, 1, 2, 3, 12]
    assert fit.unanswerable_class("other city: only Shanghai's dog regulation") == "place"
    assert fit.unanswerable_class("Compound: 文化礼堂 present, staff pay absent") == "topic"
    assert fit.unanswerable_class("article does not exist (40 articles)") == "item"
    assert fit.unanswerable_class("") == "other"


def test_a_class_only_its_own_feature_catches_is_not_flagged_once_held_out(fit):
    """Leave-one-class-out shows what cross-validation hides: a feature that only separates the class it was
    fitted on (here the margin, which only class B has low) flags nothing of that class once it is held out."""
    rng = np.random.default_rng(5)
    gap, margin = ANSWER_FEATURES.index("constraint_gap"), ANSWER_FEATURES.index("margin")
    x = rng.normal(0, 0.05, (140, len(ANSWER_FEATURES)))
    x[:, margin] += 1.0
    classes = [None] * 100 + ["A"] * 20 + ["B"] * 20
    gold = np.array([c is None for c in classes])
    x[100:120, gap] += 1.0  # class A: the passage misses the place asked
    x[120:, margin] -= 3.0  # class B: only a low margin tells it apart
    data = fit.AnswerData(list(x), np.ones(len(gold), dtype=bool), gold)
    rates = fit.leave_one_out(data, classes)
    assert (rates["B"].flagged, rates["B"].unanswerable, rates["B"].answerable) == (0, 20, 0)
    in_sample = fit.fit_on(data, np.arange(len(gold)))
    assert np.all(fit.logits(in_sample, data, np.arange(100, 140)) < in_sample.threshold)  # fitted with B: all
