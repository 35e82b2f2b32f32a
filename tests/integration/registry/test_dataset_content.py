"""Dataset content is kept in the artifact store, verified on read, and survives gc."""

from __future__ import annotations

import pandas as pd
import pytest
from _registry_helpers import small_frame

from forgeml import registry
from forgeml.errors import IntegrityError, NotFoundError, SchemaError
from forgeml.store import Store


def test_registered_content_reads_back_identically(store: Store) -> None:
    df = small_frame(seed=3)
    df["person"] = [f"p{i}" for i in range(len(df))]
    d = registry.register_dataset(df, "customers", subject_column="person", store=store)
    assert d.artifact_digest is not None and d.subject_column == "person" and d.erased_at is None
    back = registry.read_dataset("customers", store=store)
    pd.testing.assert_frame_equal(back, df.reset_index(drop=True))
    assert registry.get_dataset("customers", 1, store=store).subject_column == "person"


def test_missing_subject_column_is_named(store: Store) -> None:
    with pytest.raises(SchemaError, match="'nobody' is not in dataset 'customers'"):
        registry.register_dataset(small_frame(), "customers", subject_column="nobody", store=store)


def test_corrupted_content_is_refused(store: Store) -> None:
    d = registry.register_dataset(small_frame(), "customers", store=store)
    assert d.artifact_digest is not None
    path = store.artifacts.object_path(d.artifact_digest)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(IntegrityError, match=r"customers@1.*does not match its recorded sha256"):
        registry.read_dataset("customers", 1, store=store)


def test_gc_keeps_dataset_content(store: Store) -> None:
    registry.register_dataset(small_frame(), "customers", store=store)
    store.gc(grace_seconds=0)
    assert len(registry.read_dataset("customers", store=store)) == len(small_frame())
    with pytest.raises(NotFoundError, match="no dataset 'other'"):
        registry.read_dataset("other", store=store)
