import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forgeml.data import fingerprint, read_table


def test_same_content_same_hash_regardless_of_column_order_and_dtype():
    a = pd.DataFrame({"x": [1, 2, 3], "s": ["a", None, "c"], "t": pd.to_datetime(["2020-01-01"] * 3)})
    b = pd.DataFrame(
        {
            "t": pd.to_datetime(["2020-01-01"] * 3).as_unit("ms"),
            "s": pd.Series(["a", None, "c"], index=[7, 8, 9], dtype=object),
            "x": [1.0, 2.0, 3.0],
        },
        index=[7, 8, 9],
    )
    assert b["s"].dtype == object
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 64


def test_changes_change_the_hash():
    base = pd.DataFrame({"x": [1, 2], "s": ["a", "b"]})
    assert fingerprint(base) != fingerprint(base.iloc[::-1])
    assert fingerprint(base) != fingerprint(base.assign(x=[1, 3]))
    assert fingerprint(base) != fingerprint(base.rename(columns={"x": "z"}))
    assert fingerprint(base) != fingerprint(base.assign(s=["a", None]))
    assert fingerprint(pd.DataFrame({"s": ["None"]})) != fingerprint(pd.DataFrame({"s": [None]}))


def test_csv_and_parquet_of_same_data_agree(tmp_path):
    df = pd.DataFrame({"a": [1, 2, None], "b": ["x", None, "z"], "c": [0.5, 1.5, 2.5]})
    df.to_csv(tmp_path / "d.csv", index=False)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "d.parquet")
    assert fingerprint(read_table(tmp_path / "d.csv")) == fingerprint(read_table(tmp_path / "d.parquet"))
