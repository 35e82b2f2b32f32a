"""Streaming batch scoring for ``forgeml predict``: chunks in, chunks out, bounded memory.

Parquet is read with ``ParquetFile.iter_batches``; CSV with pyarrow's streaming reader, every
column as text so a late chunk cannot break type inference (numbers in categorical columns are
normalised as ``coerce_frame`` does: ``3.0`` → ``"3"``; coerce_frame parses the other roles from
text). Each chunk is validated, predicted and written (Parquet row groups or CSV rows) before
the next is read, so memory stays near one chunk whatever the file size.

Example:
    >>> score_file(predictor, "big.parquet", Path("out.parquet"), proba=False)   # doctest: +SKIP
    1000000
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from forgeml.data import decode_labels
from forgeml.data._readers import SUPPORTED_EXTENSIONS
from forgeml.data._values import scalar_str
from forgeml.errors import ConfigError, DataError, NotFoundError
from forgeml.predictor import Predictor

DEFAULT_CHUNK_ROWS = 50_000


def _parquet_chunks(path: Path, chunk: int) -> tuple[Iterator[pd.DataFrame], int | None]:
    pf = pq.ParquetFile(path)
    return (b.to_pandas() for b in pf.iter_batches(batch_size=chunk)), pf.metadata.num_rows


def _csv_chunks(path: Path, chunk: int, predictor: Predictor) -> Iterator[pd.DataFrame]:
    delimiter = "\t" if ".tsv" in path.name.lower() else ","
    header = pacsv.open_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter))
    names = header.schema.names
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    categorical = set(predictor.schema.by_role("categorical"))
    pending: list[pd.DataFrame] = []
    size = 0
    for batch in reader:
        frame = batch.to_pandas()
        for col in categorical & set(frame.columns):
            frame[col] = _numbers_normalised(frame[col])
        pending.append(frame)
        size += len(frame)
        if size >= chunk:
            yield pd.concat(pending, ignore_index=True)
            pending, size = [], 0
    if pending:
        yield pd.concat(pending, ignore_index=True)


def _numbers_normalised(s: pd.Series) -> pd.Series:
    values = s.to_numpy(dtype=object)
    nums = pd.to_numeric(s, errors="coerce").to_numpy()
    ok = ~np.isnan(nums)
    if ok.any():
        values = values.copy()
        values[ok] = [scalar_str(float(v)) for v in nums[ok]]
    return pd.Series(values, index=s.index, dtype=object)


def _result(predictor: Predictor, frame: pd.DataFrame, proba: bool) -> pd.DataFrame:
    raw = predictor.predict_raw(frame)
    target = predictor.schema.target
    if not target.is_classification:
        return pd.DataFrame({"prediction": raw})
    out = pd.DataFrame({"prediction": decode_labels(np.argmax(raw, axis=1), target)})
    if proba:
        for j, c in enumerate(predictor.classes):
            out[f"proba_{c}"] = raw[:, j]
    return out


def score_file(
    predictor: Predictor,
    data: str,
    dest: Path | None,
    *,
    proba: bool,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    console: Console | None = None,
) -> int:
    """Score ``data`` chunk by chunk into ``dest`` (.csv, .csv.gz or .parquet; None: CSV on stdout).

    Returns the number of rows written. Errors name the row across the whole file.
    """
    if chunk_rows < 1:
        raise ConfigError(f"'--chunk-size' must be an integer >= 1, got {chunk_rows}.")
    if proba and not predictor.schema.target.is_classification:
        raise ConfigError("predict_proba needs a classification model; this one is a regressor.")
    path = Path(data)
    if not path.exists():
        raise NotFoundError(f"file '{path}' does not exist; check the path and the current directory.")
    name = path.name.lower()
    if not name.endswith(SUPPORTED_EXTENSIONS) or path.is_dir():
        raise DataError(f"'{path}' must be a CSV or Parquet file ({', '.join(SUPPORTED_EXTENSIONS)}).")
    total: int | None = None
    if name.endswith((".parquet", ".pq")):
        chunks, total = _parquet_chunks(path, chunk_rows)
    else:
        chunks = _csv_chunks(path, chunk_rows, predictor)
    writer = _Writer(dest)
    done = 0
    progress = Progress(
        TextColumn("[bold]scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
        transient=True,
        disable=dest is None,
    )
    with progress:
        task = progress.add_task("scoring", total=total)
        try:
            for frame in chunks:
                frame.index = pd.RangeIndex(done, done + len(frame))  # errors name the row in the file
                writer.write(_result(predictor, frame, proba))
                done += len(frame)
                progress.update(task, completed=done)
        finally:
            writer.close()
    return done


class _Writer:
    def __init__(self, dest: Path | None) -> None:
        self.dest = dest
        self.parquet: pq.ParquetWriter | None = None
        self.first = True
        if dest is None:
            return
        if not dest.parent.is_dir():
            raise ConfigError(f"cannot write '{dest}': folder '{dest.parent}' does not exist; create it first.")
        suffix = "".join(dest.suffixes[-2:]).lower()
        self.kind = "parquet" if suffix.endswith((".parquet", ".pq")) else "csv"
        if self.kind == "csv" and not suffix.endswith((".csv", ".csv.gz")):
            raise ConfigError(f"'-o' must end in .csv, .csv.gz or .parquet, got '{dest}'.")
        self.compression: Literal["gzip"] | None = "gzip" if suffix.endswith(".gz") else None

    def write(self, frame: pd.DataFrame) -> None:
        if self.dest is None:
            frame.to_csv(sys.stdout, index=False, header=self.first)
        elif self.kind == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.dest, table.schema)
            self.parquet.write_table(table)
        else:
            mode: Literal["w", "a"] = "w" if self.first else "a"
            frame.to_csv(self.dest, index=False, header=self.first, mode=mode, compression=self.compression)
        self.first = False

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
