"""Point-wise binary outlier metrics as SKAB's leaderboard computes them (`chp_score(metric="binary")`).

The confusion counts are summed over all files first (micro average), then
F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN) in %, MAR = FN / (FN + TP) in %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BinaryScores:
    """Pooled confusion counts and the leaderboard's F1, false-alarm rate (%) and missed-alarm rate (%)."""

    tp: int
    tn: int
    fp: int
    fn: int

    @property
    def f1(self) -> float:
        denominator = self.tp + (self.fn + self.fp) / 2
        return self.tp / denominator if denominator else 0.0

    @property
    def far(self) -> float:
        negatives = self.fp + self.tn
        return 100.0 * self.fp / negatives if negatives else 0.0

    @property
    def mar(self) -> float:
        positives = self.fn + self.tp
        return 100.0 * self.fn / positives if positives else 0.0


def confusion(true: np.ndarray, pred: np.ndarray) -> BinaryScores:
    """Count TP, TN, FP, FN of one file; a value counts as positive only when it equals 1."""
    if true.shape != pred.shape:
        raise ValueError(f"labels and predictions differ in shape: {true.shape} vs {pred.shape}")
    t = np.asarray(true) == 1
    p = np.asarray(pred) == 1
    return BinaryScores(
        tp=int((t & p).sum()), tn=int((~t & ~p).sum()), fp=int((~t & p).sum()), fn=int((t & ~p).sum())
    )


def binary_scores(true: Sequence[np.ndarray], pred: Sequence[np.ndarray]) -> BinaryScores:
    """Pool the confusion counts of several files (SKAB's aggregation)."""
    if len(true) != len(pred):
        raise ValueError(f"{len(true)} label series but {len(pred)} prediction series")
    tp = tn = fp = fn = 0
    for t, p in zip(true, pred, strict=True):
        counts = confusion(t, p)
        tp, tn, fp, fn = tp + counts.tp, tn + counts.tn, fp + counts.fp, fn + counts.fn
    return BinaryScores(tp=tp, tn=tn, fp=fp, fn=fn)
