"""Evaluation of trained models: metrics on labelled data, explanations, permutation importance,
per-segment performance, the HTML report and model cards."""

from forgeml.evaluation._card import CardFacts, generated_limitations, render_html, render_markdown
from forgeml.evaluation._evaluate import evaluate
from forgeml.evaluation._explain import Explanation, MemberExplanation, explain
from forgeml.evaluation._importance import Labelled, labelled_rows, permutation_importance
from forgeml.evaluation._report import build_report
from forgeml.evaluation._segments import SMALL_SEGMENT, clip_to_metric, fold_interval, segment_performance

__all__ = [
    "SMALL_SEGMENT",
    "CardFacts",
    "Explanation",
    "Labelled",
    "MemberExplanation",
    "build_report",
    "clip_to_metric",
    "evaluate",
    "explain",
    "fold_interval",
    "generated_limitations",
    "labelled_rows",
    "permutation_importance",
    "render_html",
    "render_markdown",
    "segment_performance",
]
