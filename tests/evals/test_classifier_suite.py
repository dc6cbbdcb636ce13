"""The classifier suite runs on the real AI4I file and reports every promised figure."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from copilot.config import Settings
from evals.runner import EvalContext
from evals.suites.classifier import run
from predictors.datasets.ai4i import MODES
from predictors.failure_classifier import FailureClassifierConfig

QUICK = FailureClassifierConfig(n_estimators=40, learning_rate=0.3, inner_folds=2)


@pytest.mark.data
def test_classifier_suite_reports_all_keys(data_dir: Path, tmp_path: Path) -> None:
    ctx = EvalContext(
        settings=Settings(home=tmp_path / "home", data_dir=data_dir),
        data_dir=data_dir,
        predictions_out=tmp_path / "predictions",
    )
    result = run(ctx, repeats=1, folds=3, workers=1, config=QUICK)

    m = result.metrics
    expected = {
        "ai4i_binary_f1",
        "ai4i_binary_f1_std",
        "ai4i_pr_auc",
        "ai4i_roc_auc",
        "ai4i_binary_precision",
        "ai4i_binary_recall",
        "ai4i_modes_macro_f1",
        "ai4i_binary_f1_rule_oracle",
        "ai4i_binary_f1_ceiling",
        "ai4i_binary_f1_train_with_inconsistent",
        "ai4i_binary_f1_test_without_inconsistent",
        "ai4i_onnx_max_abs_diff",
        *(f"ai4i_recall_{mode}" for mode in MODES),
    }
    assert expected <= set(m)
    assert all(math.isfinite(v) for v in m.values())
    assert 0.8 < m["ai4i_binary_f1"] < 0.99  # >= 0.99 would mean leakage
    assert m["ai4i_roc_auc"] > 0.95 and m["ai4i_recall_HDF"] > 0.85 and m["ai4i_recall_PWF"] > 0.85
    assert m["ai4i_recall_RNF"] < 0.2  # random failures are not learnable
    assert m["ai4i_binary_f1_rule_oracle"] < m["ai4i_binary_f1_ceiling"] < 0.90
    assert m["ai4i_onnx_max_abs_diff"] < 1e-5 and m["ai4i_onnx_served_max_abs_diff"] < 1e-5

    for heading in ("### Protocol", "### Binary", "### Failure modes", "### Inconsistent rows", "### ONNX"):
        assert heading in result.markdown
    assert "0.8952" in result.markdown and "0.842" in result.markdown
    assert (tmp_path / "predictions" / "ai4i_classifier_oof.csv").is_file()
