"""Read a table from CSV or Parquet into pandas, with errors that say what to do.

Example:
    >>> import pandas as pd
    >>> read_table(pd.DataFrame({1: [1, 2]})).columns.tolist()
    ['1']
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from forgeml.errors import DataError, NotFoundError

__all__ = ["SUPPORTED_EXTENSIONS", "read_table"]

_CSV_EXTENSIONS = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
_PARQUET_EXTENSIONS = (".parquet", ".pq")
SUPPORTED_EXTENSIONS = _CSV_EXTENSIONS + _PARQUET_EXTENSIONS


def read_table(source: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ``.tsv``, ``.txt``) or Parquet (``.parquet``, ``.pq``)
    file, or take a DataFrame (returned as a shallow copy). Column names become ``str``.

    Missing values follow pyarrow's defaults: ``""``, ``"NA"``, ``"null"``, ``"NaN"`` ... are
    missing, while a literal ``"None"`` stays a value. Date columns become ``datetime64``.

    Raises:
        NotFoundError: the file does not exist.
        DataError: a directory, an unsupported extension, unreadable content, or no rows/columns.

    Example:
        >>> df = read_table(pd.DataFrame({"a": [1, 2], "y": ["x", "z"]}))
        >>> df.shape
        (2, 2)
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy(deep=False)
        df.columns = pd.Index([str(c) for c in df.columns], dtype=object)
        _check_columns(df, "the DataFrame")
        return df
    path = Path(source)
    if not path.exists():
        raise NotFoundError(f"file '{path}' does not exist; check the path and the current directory.")
    if path.is_dir():
        raise DataError(f"'{path}' is a directory; give a CSV or Parquet file inside it.")
    name = path.name.lower()
    if name.endswith(_PARQUET_EXTENSIONS):
        table = _read_parquet(path)
    elif name.endswith(_CSV_EXTENSIONS):
        table = _read_csv(path, name)
    else:
        raise DataError(
            f"file '{path}' has an unsupported extension; supported: {', '.join(SUPPORTED_EXTENSIONS)}. "
            "Convert it to CSV or Parquet."
        )
    if table.num_columns == 0:
        raise DataError(f"file '{path}' is empty: it has no columns; give a file with a header and rows.")
    if table.num_rows == 0:
        raise DataError(f"file '{path}' is empty: it has a header but no rows; give a file with data rows.")
    df = table.to_pandas(date_as_object=False)
    df.columns = pd.Index([str(c) for c in df.columns], dtype=object)
    _check_columns(df, f"file '{path}'")
    return df


def _check_columns(df: pd.DataFrame, what: str) -> None:
    dupes = sorted(name for name, n in Counter(df.columns).items() if n > 1)
    if dupes:
        raise DataError(f"{what} has duplicated column names {dupes}; rename them so each is unique.")


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def _sniff_delimiter(path: Path, name: str) -> str:
    if name.endswith((".tsv", ".tsv.gz")):
        return "\t"
    if name.endswith((".csv", ".csv.gz")):
        return ","
    try:
        with pa.input_stream(str(path), compression="detect") as stream:
            head = stream.read(65536).decode("utf-8", errors="replace")
    except (OSError, pa.ArrowException):
        return ","
    first = head.splitlines()[0] if head else ""
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


# pyarrow's default null spellings, applied to string columns too (its default only for numbers)
_CONVERT = pacsv.ConvertOptions(strings_can_be_null=True)


def _read_csv(path: Path, name: str) -> pa.Table:
    parse = pacsv.ParseOptions(delimiter=_sniff_delimiter(path, name))
    try:
        return pacsv.read_csv(str(path), parse_options=parse, convert_options=_CONVERT)
    except (pa.ArrowException, OSError, UnicodeDecodeError, EOFError) as err:
        reason = _first_line(err)
        if "empty" in reason.lower():
            raise DataError(f"file '{path}' is empty; give a CSV file with a header and rows.") from None
        raise DataError(
            f"could not read '{path}' as CSV ({reason}); check that it is valid UTF-8 text with one "
            "header line and the same number of fields on every line."
        ) from None


def _read_parquet(path: Path) -> pa.Table:
    if path.stat().st_size == 0:
        raise DataError(f"file '{path}' is empty; give a Parquet file with rows.")
    try:
        return pq.read_table(str(path))
    except (pa.ArrowException, OSError) as err:
        raise DataError(
            f"could not read '{path}' as Parquet ({_first_line(err)}); check that the file is a "
            "complete Parquet file, or re-export it."
        ) from None
