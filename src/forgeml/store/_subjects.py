"""The salted hash that stands for a subject id wherever forgeml records an erasure, and the
set of erased subjects that writers (the live monitor's prediction log) check before storing a row.

The hash is HMAC-SHA256 of the id under a per-installation secret salt: ``FORGEML_ERASURE_SALT``
when set, else a random salt created once in ``FORGEML_HOME/erasure-salt`` (mode 0600). Without the
salt the hash cannot be turned back into the id by trying likely ids. Losing the salt file loses
nothing else: later erasures of the same person simply get a different hash.

Example:
    >>> from forgeml.config import Settings
    >>> s = Settings.from_env({"FORGEML_HOME": "/tmp/x", "FORGEML_ERASURE_SALT": "pepper"})
    >>> subject_hash("C-1042", s) == subject_hash(" C-1042 ", s)
    True
    >>> len(subject_hash("C-1042", s))
    64
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, select

from forgeml.config import Settings
from forgeml.errors import ConfigError
from forgeml.store.tables import erasures

__all__ = ["SALT_FILE", "erased_subjects", "erasure_salt", "normalise_subject", "subject_hash", "subject_variants"]

SALT_FILE = "erasure-salt"
_INTEGRAL_FLOAT = re.compile(r"^(-?\d+)\.0+$")


def normalise_subject(subject_id: object) -> str:
    """The canonical text of a subject id: stripped, and ``1042``, ``1042.0`` and ``"1042"`` alike.

    Example:
        >>> normalise_subject(1042.0), normalise_subject(" C-7 ")
        ('1042', 'C-7')
    """
    text = str(subject_id).strip()
    m = _INTEGRAL_FLOAT.match(text)
    key = m.group(1) if m else text
    if not key:
        raise ConfigError(f"'subject' must be a non-empty subject id, got {subject_id!r}.")
    return key


def subject_variants(key: str) -> list[str]:
    """The texts a stored subject id with canonical text ``key`` may have (``"1042"`` and ``"1042.0"``).

    Example:
        >>> subject_variants("1042"), subject_variants("C-7")
        (['1042', '1042.0'], ['C-7'])
    """
    return [key, f"{key}.0"] if re.fullmatch(r"-?\d+", key) else [key]


def erasure_salt(settings: Settings) -> bytes:
    """The installation's secret salt (see the module docstring); created on first use."""
    if settings.erasure_salt:
        return settings.erasure_salt.encode("utf-8")
    path = Path(settings.home) / SALT_FILE
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{SALT_FILE}.{secrets.token_hex(8)}")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_hex(32).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(staged, path)  # atomic and never overwrites: a concurrent first use keeps one salt
    except FileExistsError:
        pass
    finally:
        staged.unlink(missing_ok=True)
    return path.read_bytes().strip()


def subject_hash(subject_id: object, settings: Settings) -> str:
    """HMAC-SHA256 (hex) of the canonical subject id under the installation's salt."""
    key = normalise_subject(subject_id)
    return hmac.new(erasure_salt(settings), key.encode("utf-8"), hashlib.sha256).hexdigest()


def erased_subjects(conn: Connection, settings: Settings, subject_ids: Iterable[object]) -> set[str]:
    """Which of ``subject_ids`` have an erasure on record (running or done), as given.

    Read inside a writer's transaction (``Store.write()`` serialises writers), so a row written
    after an erasure began is never stored for its subject: either the erasure's deletion comes
    after the write, or the write sees the erasure. Ids are hashed only when some erasure exists.
    """
    known = set(conn.execute(select(erasures.c.subject_hash).distinct()).scalars())
    if not known:
        return set()
    salt = erasure_salt(settings)
    erased = set()
    for sid in {str(s) for s in subject_ids if s is not None and str(s).strip()}:
        if hmac.new(salt, normalise_subject(sid).encode("utf-8"), hashlib.sha256).hexdigest() in known:
            erased.add(sid)
    return erased
