"""Evaluation of trained models: metrics on labelled data."""

from forgeml.evaluation._evaluate import evaluate

__all__ = ["evaluate"]
