"""Ensembling: greedy weighted selection over out-of-fold predictions."""

from forgeml.ensemble._greedy import EnsembleResult, blend, greedy_ensemble

__all__ = ["EnsembleResult", "blend", "greedy_ensemble"]
