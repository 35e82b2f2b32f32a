"""The facades: AutoML, the scikit-learn estimators and load()."""

from forgeml.automl._automl import AutoML, load
from forgeml.automl._events import EventSink, ProgressEvent
from forgeml.automl._run import train
from forgeml.automl._sklearn import AutoClassifier, AutoRegressor

__all__ = ["AutoClassifier", "AutoML", "AutoRegressor", "EventSink", "ProgressEvent", "load", "train"]
