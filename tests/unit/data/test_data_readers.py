import gzip

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forgeml.data import read_table
from forgeml.errors import DataError, NotFoundError

CSV = "a,kind,y\n1,None,x\n2,null,y\n3,NA,x\n4,,y\n"


def test_csv_keeps_literal_none_and_reads_default_nulls(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    df = read_table(path)
    assert df.shape == (4, 3)
    assert df["kind"].iloc[0] == "None"
    assert df["kind"].isna().tolist() == [False, True, True, True]
    assert df["a"].dtype == "int64"


def test_csv_gz_is_decompressed(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    assert read_table(str(path)).shape == (4, 3)


def test_tsv_and_txt(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("a\tb\n1\tx\n")
    txt = tmp_path / "t.txt"
    txt.write_text("a;b\n1;x\n")
    assert read_table(tsv).columns.tolist() == ["a", "b"]
    assert read_table(txt).columns.tolist() == ["a", "b"]


def test_parquet_and_pq(tmp_path):
    table = pa.table({"x": [1.5, 2.5], "s": ["a", None]})
    for name in ("t.parquet", "t.PQ"):
        pq.write_table(table, tmp_path / name)
        df = read_table(tmp_path / name)
        assert df["x"].tolist() == [1.5, 2.5]


def test_dates_become_datetime64(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("when,y\n2020-01-02,1\n2020-02-03,2\n")
    assert str(read_table(path)["when"].dtype).startswith("datetime64")


def test_dataframe_is_shallow_copy_with_str_columns():
    src = pd.DataFrame({0: [1, 2], "b": [3, 4]})
    out = read_table(src)
    assert out is not src
    assert out.columns.tolist() == ["0", "b"]
    assert src.columns.tolist() == [0, "b"]


def test_missing_file_names_it(tmp_path):
    with pytest.raises(NotFoundError, match=r"nope\.csv' does not exist"):
        read_table(tmp_path / "nope.csv")


def test_directory(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_table(tmp_path)


def test_unsupported_extension_lists_supported(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"t\.xlsx' has an unsupported extension.*\.csv.*\.parquet"):
        read_table(path)


@pytest.mark.parametrize("content", ["", "a,b,c\n"])
def test_empty_csv(tmp_path, content):
    path = tmp_path / "e.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=r"e\.csv' is empty"):
        read_table(path)


def test_corrupt_csv_is_a_data_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(DataError, match=r"could not read '.*bad\.csv' as CSV") as info:
        read_table(path)
    assert info.value.__cause__ is None


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(DataError, match=r"bad\.csv\.gz"):
        read_table(path)


def test_corrupt_and_empty_parquet(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match=r"could not read '.*bad\.parquet' as Parquet"):
        read_table(bad)
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"x": pa.array([], pa.int64())}), empty)
    with pytest.raises(DataError, match=r"empty\.parquet' is empty"):
        read_table(empty)


def test_duplicate_columns_rejected():
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match=r"duplicated column names \['a'\]"):
        read_table(df)
