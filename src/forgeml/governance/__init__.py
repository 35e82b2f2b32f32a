"""Governance: erasing a person's data, the PII guard and retention of prediction logs.

Example:
    >>> from forgeml.governance import detect_pii, enforce_retention, erase_subject
    >>> report = erase_subject("C-1042", reason="GDPR request", retrain=True)   # doctest: +SKIP
    >>> report.rows_removed, report.still_holding                               # doctest: +SKIP
    (3, [])
    >>> enforce_retention("90d").predictions_deleted                            # doctest: +SKIP
    1520
"""

from forgeml.data._pii import PII_KINDS, PiiFinding, detect_pii
from forgeml.governance._erase import ROW_KEEPING_FAMILIES, erase_subject, list_erasures
from forgeml.governance._report import AffectedModel, DatasetErasure, ErasureReport, RetrainOutcome
from forgeml.governance._retention import (
    DEFAULT_RETENTION_INTERVAL_S,
    RetentionReport,
    enforce_retention,
    retention_loop,
)
from forgeml.store._subjects import erasure_salt, normalise_subject, subject_hash

__all__ = [
    "DEFAULT_RETENTION_INTERVAL_S",
    "PII_KINDS",
    "ROW_KEEPING_FAMILIES",
    "AffectedModel",
    "DatasetErasure",
    "ErasureReport",
    "PiiFinding",
    "RetentionReport",
    "RetrainOutcome",
    "detect_pii",
    "enforce_retention",
    "erase_subject",
    "erasure_salt",
    "list_erasures",
    "normalise_subject",
    "retention_loop",
    "subject_hash",
]
