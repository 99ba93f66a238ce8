"""Metrics for guard evaluation: plain numpy, no scikit-learn needed at run time."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); None if one class is absent."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average rank over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_metrics(labels, scores, threshold: float) -> dict:
    """Precision, recall, AUC... at `threshold`. On a file of one class only, the figures that need both
    (precision, AUC) are left out rather than printed as 0 or null: a file of ordinary prompts gives
    the share wrongly flagged (`flagged_share`, the false-refusal share), a file of attacks the recall."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    flagged = scores >= threshold
    tp = int((flagged & labels).sum())
    fp = int((flagged & ~labels).sum())
    fn = int((~flagged & labels).sum())
    tn = int((~flagged & ~labels).sum())
    n = int(len(labels))
    common = {"n": n, "flagged": int(flagged.sum()), "flagged_share": float(flagged.mean()) if n else 0.0,
              "threshold": threshold, "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}}
    if n and not labels.any():
        return {**common, "only": "negative", "fpr": fp / n}
    if n and labels.all():
        return {**common, "only": "positive", "recall": tp / n}
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        **common,
        "accuracy": (tp + tn) / n if n else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "auc": roc_auc(labels, scores),
        "fpr": fp / (fp + tn) if fp + tn else 0.0,
    }


def fairness_metrics(labels, flagged, groups) -> dict:
    """False-positive rate per group on non-toxic rows, their gap, and disparate impact.

    Disparate impact = min/max over groups of the not-flagged rate among non-toxic rows
    (1.0 = every group's harmless text passes equally often).
    """
    labels = np.asarray(labels, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # group -> [non-toxic rows, false positives]
    for is_toxic, is_flagged, group in zip(labels, flagged, groups, strict=True):
        if not is_toxic:
            counts[group][0] += 1
            counts[group][1] += int(is_flagged)
    fpr = {g: fp / n for g, (n, fp) in sorted(counts.items()) if n}
    passed = [1 - r for r in fpr.values()]
    return {
        "fpr_by_group": fpr,
        "fpr_gap": (max(fpr.values()) - min(fpr.values())) if fpr else 0.0,
        "disparate_impact": (min(passed) / max(passed)) if passed and max(passed) > 0 else None,
        "n_by_group": {g: n for g, (n, _) in sorted(counts.items()) if n},
    }


def span_metrics(gold, found, gold_any=None) -> dict:
    """Recall and precision of detected spans; a span matches when it overlaps (it would be masked).

    `gold` and `found` hold one list of (start, end, type) per text. Recall is over `gold`; a
    detection is correct when it overlaps any span in `gold_any` (default `gold`), so finding
    personal data of a type not being scored is not counted as a false alarm.
    """
    gold_any = gold if gold_any is None else gold_any

    def overlaps(a, b):
        return a[0] < b[1] and b[0] < a[1]

    per_entity: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # type -> [gold spans, found]
    hit_gold = total_gold = good_found = total_found = 0
    for gold_spans, found_spans, any_spans in zip(gold, found, gold_any, strict=True):
        for g in gold_spans:
            hit = any(overlaps(g, f) for f in found_spans)
            per_entity[g[2]][0] += 1
            per_entity[g[2]][1] += hit
            total_gold += 1
            hit_gold += hit
        for f in found_spans:
            total_found += 1
            good_found += any(overlaps(f, g) for g in any_spans)
    return {
        "recall": hit_gold / total_gold if total_gold else 0.0,
        "precision": good_found / total_found if total_found else 0.0,
        "recall_by_entity": {e: hit / n for e, (n, hit) in sorted(per_entity.items())},
        "n_by_entity": {e: n for e, (n, _) in sorted(per_entity.items())},
        "n_gold": total_gold,
        "n_found": total_found,
    }
