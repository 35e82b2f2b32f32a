"""The audit trail: an append-only, hash-chained log of every change, with filtering and verification.

Entries are appended by the registry in the same transaction as the change (``forgeml.store``);
this package reads, filters and verifies them, and records events that are not registry changes.

Example:
    >>> from forgeml import audit                       # doctest: +SKIP
    >>> [e.action for e in audit.read_log(model="churn")]   # doctest: +SKIP
    ['model.registered', 'alias.moved']
    >>> audit.verify().ok                               # doctest: +SKIP
    True
"""

from forgeml.audit._log import ACTIONS, AuditEntry, read_log, record
from forgeml.audit._verify import Problem, VerifyReport, verify

__all__ = ["ACTIONS", "AuditEntry", "Problem", "VerifyReport", "read_log", "record", "verify"]
