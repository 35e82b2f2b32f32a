"""The trained artefact and its on-disk format."""

from forgeml.predictor._format import FORMAT_VERSION, load_predictor, read_manifest, save_predictor
from forgeml.predictor._predictor import Member, Predictor

__all__ = ["FORMAT_VERSION", "Member", "Predictor", "load_predictor", "read_manifest", "save_predictor"]
