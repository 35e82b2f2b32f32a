"""Infer a :class:`Schema` from a training table: the target's task and every column's role.

Example:
    >>> df = pd.DataFrame({"age": [30, 40, 50, 60], "city": ["a", "b", "a", "b"], "y": [0, 1, 0, 1]})
    >>> s = infer_schema(df, "y")
    >>> s.target.task, [(c.name, c.role) for c in s.columns]
    ('binary', [('age', 'numeric'), ('city', 'categorical')])
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from forgeml.config import ROLES
from forgeml.data._pii import detect_pii
from forgeml.data._schema import ColumnSpec, Schema
from forgeml.data._target import infer_target
from forgeml.data._values import BOOL_TOKENS, date_candidates, kind_of, to_str_array
from forgeml.errors import ConfigError, DataError

__all__ = ["infer_role", "infer_schema"]

DATE_SHARE = 0.9
TEXT_TOKENS = 3.0
TEXT_DISTINCT_SHARE = 0.3
TEXT_DISTINCT_COUNT = 100
ID_DISTINCT_SHARE = 0.95
MIN_ROWS_FOR_PATTERN = 20
MIXED_DATE_SAMPLE = 2000

_ID_NAME = re.compile(
    r"^(?:id|uuid|guid|key|index|idx|pk|row_?id|row_?num(?:ber)?|record_?id)$|[_\-\s.](?:id|uuid|guid|key)$"
)
_ID_CAMEL = re.compile(r"(?<=[a-z0-9])(?:Id|ID|Uuid|UUID|Key)$")


def _looks_like_id(name: str) -> bool:
    return bool(_ID_NAME.search(name.strip().lower()) or _ID_CAMEL.search(name.strip()))


def infer_schema(
    df: pd.DataFrame,
    target: str,
    *,
    task: str | None = None,
    column_types: Mapping[str, str] | None = None,
    group_column: str | None = None,
    time_column: str | None = None,
    subject_column: str | None = None,
    allow_pii: Collection[str] = (),
    seed: int = 0,
) -> Schema:
    """Infer the task from ``target`` and a role for every other column.

    ``column_types`` overrides roles (``"drop"`` drops a column); ``group_column`` and
    ``time_column`` are recorded and kept out of the features. ``subject_column`` (the id of the
    person a row is about) gets role ``"subject"``: never a feature, optional at prediction time.
    Columns that look like personal data (:func:`detect_pii`, sampled with ``seed``) get role
    ``"pii"`` unless named in ``allow_pii``. Rows with a missing target are kept here;
    :func:`prepare_training` drops them.

    Example:
        >>> df = pd.DataFrame({"id": range(4), "x": [1.5, 2.5, 3.5, 4.5], "y": ["a", "b", "a", "b"]})
        >>> infer_schema(df, "y", column_types={"id": "drop"}).feature_names
        ['x']
    """
    df = _str_columns(df)
    spec = infer_target(df, target, task)
    overrides = _check_overrides(df, target, column_types or {})
    special: dict[str, str] = {}
    for arg, col in (("group_column", group_column), ("time_column", time_column)):
        if col is None:
            continue
        if col not in df.columns:
            raise ConfigError(f"'{arg}' must name a column of the data, got {col!r}; columns: {_listing(df)}.")
        if col == target:
            raise ConfigError(f"'{arg}' must not be the target column, got {col!r}.")
        special[col] = arg.replace("_", " ")
    _check_subject(df, target, subject_column, time_column, overrides)
    allowed = _check_allowed(df, allow_pii)
    pii = detect_pii(
        df, [c for c in df.columns if _pii_candidate(c, target, special, subject_column, overrides)], seed=seed
    )
    columns: list[ColumnSpec] = []
    notes: list[str] = []
    for name in df.columns:
        if name == target:
            continue
        s = df[name]
        dtype = str(s.dtype)
        if name == subject_column:
            columns.append(ColumnSpec(name, "subject", dtype, "subject id: never a feature"))
            continue
        if name in special:
            columns.append(ColumnSpec(name, "drop", dtype, special[name]))
            continue
        if name in pii:
            finding = pii[name]
            if name not in allowed:
                columns.append(ColumnSpec(name, "pii", dtype, finding.reason))
                notes.append(
                    f"excluded column '{name}' as {finding.reason}; to use it as a feature anyway, pass "
                    f"allow_pii=['{name}'] (CLI: --allow-pii {name})"
                )
                continue
            notes.append(f"column '{name}' looks like {finding.reason} but is allowed by allow_pii")
        if name in overrides:
            columns.append(ColumnSpec(name, overrides[name], dtype, "set by column_types"))
            continue
        role, reason = infer_role(s, name)
        columns.append(ColumnSpec(name, role, dtype, reason))
        if role in ("identifier", "constant"):
            label = "identifier-like" if role == "identifier" else "constant"
            notes.append(f"dropped {label} column '{name}' ({reason})")
        elif role == "text":
            notes.append(f"treating column '{name}' as free text ({reason})")
    n_missing = int(df[target].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} rows with a missing target will be dropped for training")
    if not any(c.is_feature for c in columns):
        notes.append("no usable feature columns: every column was dropped")
    return Schema(tuple(columns), spec, group_column, time_column, tuple(notes), subject_column)


def _check_subject(
    df: pd.DataFrame, target: str, subject: str | None, time_column: str | None, overrides: Mapping[str, str]
) -> None:
    if subject is None:
        return
    if subject not in df.columns:
        raise ConfigError(f"'subject_column' must name a column of the data, got {subject!r}; columns: {_listing(df)}.")
    if subject == target:
        raise ConfigError(f"'subject_column' must not be the target column, got {subject!r}.")
    if subject == time_column:
        raise ConfigError(f"'subject_column' and 'time_column' must be different columns, both are {subject!r}.")
    if subject in overrides:
        raise ConfigError(
            f"'column_types' sets a role for the subject id column {subject!r}, which is never a feature; "
            "remove it from column_types."
        )


def _check_allowed(df: pd.DataFrame, allow_pii: Collection[str]) -> set[str]:
    for col in allow_pii:
        if col not in df.columns:
            raise ConfigError(f"'allow_pii' names column {col!r}, which is not in the data; columns: {_listing(df)}.")
    return set(allow_pii)


def _pii_candidate(
    name: str, target: str, special: Mapping[str, str], subject: str | None, overrides: Mapping[str, str]
) -> bool:
    """Columns the PII guard looks at: not the target, subject, group or time column, nor one already
    dropped by column_types."""
    return name not in (target, subject) and name not in special and overrides.get(name) not in ("drop", "identifier")


def _str_columns(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}; read files with read_table().")
    if not all(isinstance(c, str) for c in df.columns):
        df = df.rename(columns=str)
    if df.columns.has_duplicates:
        dupes = sorted(set(df.columns[df.columns.duplicated()]))
        raise DataError(f"the data has duplicated column names {dupes}; rename them so each is unique.")
    return df


def _listing(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    return ", ".join(repr(c) for c in cols[:30]) + (" ..." if len(cols) > 30 else "")


def _check_overrides(df: pd.DataFrame, target: str, column_types: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col, role in column_types.items():
        if col not in df.columns:
            raise ConfigError(
                f"'column_types' names column {col!r}, which is not in the data; columns: {_listing(df)}."
            )
        if col == target:
            raise ConfigError(f"'column_types' must not set a role for the target column {col!r}.")
        if role not in ROLES:
            raise ConfigError(f"'column_types[{col!r}]' must be one of {', '.join(ROLES)}, got {role!r}.")
        out[col] = role
    return out


def infer_role(s: pd.Series, name: str) -> tuple[str, str]:
    """The role of one column and a short reason.

    Example:
        >>> infer_role(pd.Series(["yes", "no", "yes"]), "member")
        ('boolean', "two values 'yes'/'no' read as true/false")
    """
    nn = s.dropna()
    n = len(nn)
    if n == 0:
        return "constant", "all values missing"
    kind = kind_of(nn)
    uniq = pd.Series(to_str_array(nn)).value_counts(sort=False) if kind == "mixed" else nn.value_counts(sort=False)
    uniq = uniq[uniq > 0]  # categoricals list unused categories
    k = len(uniq)
    if k == 1:
        return "constant", f"a single value {_short(uniq.index[0])}"
    if kind == "bool":
        return "boolean", "boolean values"
    if k == 2 and _is_bool_pair(uniq.index):
        return "boolean", f"two values {_short(uniq.index[0])}/{_short(uniq.index[1])} read as true/false"
    if kind in ("datetime", "date"):
        return "datetime", "date/time values"
    if kind in ("int", "float"):
        return _numeric_role(nn, name, k)
    numbers = pd.to_numeric(pd.Series(uniq.index.astype(str)), errors="coerce")
    if kind == "string" and numbers.notna().all():
        return "numeric", "numbers stored as text"
    return _string_role(uniq, n, k)


def _short(v: object) -> str:
    text = repr(v.item() if isinstance(v, np.generic) else v)
    return text if len(text) <= 40 else text[:37] + "...'"


def _is_bool_pair(values: pd.Index) -> bool:
    keys = [str(v).strip().lower() for v in values]  # exactly two values: not a per-row loop
    mapped = {BOOL_TOKENS.get(key) for key in keys}
    return None not in mapped and len(mapped) == 2


def _numeric_role(nn: pd.Series, name: str, k: int) -> tuple[str, str]:
    n = len(nn)
    x = np.asarray(nn, dtype=np.float64)
    integral = bool(np.all(x == np.round(x)))
    if integral and k == n:
        if _looks_like_id(name):
            return "identifier", f"name looks like an id and all {n} values are distinct"
        if n >= MIN_ROWS_FOR_PATTERN:
            srt = np.sort(x)
            if np.all(np.diff(srt) == 1):
                return "identifier", f"all {n} values distinct and consecutive"
            if nn.is_monotonic_increasing or nn.is_monotonic_decreasing:
                return "identifier", f"all {n} values distinct and in row order"
    return "numeric", "integer values" if integral else "numbers"


def _string_role(uniq: pd.Series, n: int, k: int) -> tuple[str, str]:
    values = pd.Series(uniq.index.astype(str), dtype=object)
    counts = uniq.to_numpy(dtype=np.float64)
    share = _date_share(values, counts, n)
    if share >= DATE_SHARE:
        return "datetime", f"{share:.0%} of values parse as dates"
    tokens = values.str.count(r"\S+").to_numpy(dtype=np.float64)
    avg_tokens = float((tokens * counts).sum() / n)
    if avg_tokens >= TEXT_TOKENS and (k / n > TEXT_DISTINCT_SHARE or k > TEXT_DISTINCT_COUNT):
        return "text", f"{avg_tokens:.1f} words per value on average, {k} distinct values"
    if n >= MIN_ROWS_FOR_PATTERN and k / n >= ID_DISTINCT_SHARE:
        return "identifier", f"{k} of {n} values distinct"
    return "categorical", f"{k} distinct values"


def _date_share(values: pd.Series, counts: np.ndarray, n: int) -> float:
    """Share of the ``n`` non-missing values that parse as dates (0 when clearly not dates)."""
    cand = date_candidates(values, mixed=False)
    if counts[cand].sum() < DATE_SHARE * n:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iso = pd.to_datetime(values[cand], format="ISO8601", errors="coerce", utc=True)
        share = float(counts[cand][iso.notna().to_numpy()].sum() / n)
        if share >= DATE_SHARE:
            return share
        strict = date_candidates(values, mixed=True)
        order = np.argsort(-counts, kind="stable")[:MIXED_DATE_SAMPLE]
        sample = order[strict[order]]
        covered = counts[order].sum()
        parsed = pd.to_datetime(values.iloc[sample], format="mixed", errors="coerce", utc=True)
        return float(counts[sample][parsed.notna().to_numpy()].sum() / covered)
