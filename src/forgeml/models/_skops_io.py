"""Save and load scikit-learn estimators with skops, trusting only an explicit allowlist of types.

``skops.io.load`` never runs pickle: it rebuilds objects type by type, and refuses types it was
not told to trust. scikit-learn estimators and plain numpy arrays are trusted by skops itself;
the few compiled helper types our families need are listed here. Anything else in a file (a
function, a foreign class) makes the load fail with :class:`ModelFormatError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import skops.io as sio

from forgeml.errors import ModelFormatError

#: Types skops does not trust by default that forgeml's sklearn families legitimately contain.
ALLOWED_TYPES = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
        "sklearn.metrics._dist_metrics.ChebyshevDistance64",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csr.csr_array",
    }
)


def save_skops(obj: Any, path: Path) -> None:
    """Write ``obj`` to ``path`` in the skops format (no pickle)."""
    sio.dump(obj, path)


def load_skops(path: Path, expected: type | tuple[type, ...]) -> Any:
    """Load an object of type ``expected`` from ``path``, refusing any type outside the allowlist."""
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as err:  # skops raises several types for a damaged or foreign file
        raise ModelFormatError(f"cannot read skops file {path}: {err}") from err
    refused = sorted(set(untrusted) - ALLOWED_TYPES)
    if refused:
        raise ModelFormatError(
            f"{path} contains types that forgeml does not trust: {refused}; "
            "only scikit-learn estimators and their tree/neighbour helpers may be loaded."
        )
    try:
        obj = sio.load(path, trusted=list(untrusted))
    except Exception as err:
        raise ModelFormatError(f"cannot load skops file {path}: {err}") from err
    if not isinstance(obj, expected):
        raise ModelFormatError(f"{path} holds a {type(obj).__name__}, expected {expected}.")
    return obj
