"""The trained artefact, its on-disk format and its compiled fast path."""

from forgeml.predictor._fast import FastPredictor, RowSchemaError, compile_predictor
from forgeml.predictor._format import FORMAT_VERSION, load_predictor, read_manifest, save_predictor
from forgeml.predictor._predictor import Member, Predictor

__all__ = [
    "FORMAT_VERSION",
    "FastPredictor",
    "Member",
    "Predictor",
    "RowSchemaError",
    "compile_predictor",
    "load_predictor",
    "read_manifest",
    "save_predictor",
]
