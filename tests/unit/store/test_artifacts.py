"""The content-addressed artifact store, the audit hashing helpers and the settings (no database)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from forgeml.config import Settings
from forgeml.errors import ConfigError, IntegrityError, NotFoundError
from forgeml.store import GENESIS_HASH, ArtifactStore, canonical_json, entry_hash, make_engine


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    (root / "models" / "m").mkdir(parents=True)
    (root / "manifest.json").write_text('{"a": 1}')
    (root / "models" / "m" / "weights.bin").write_bytes(os.urandom(3000))
    (root / "copy.json").write_text('{"a": 1}')  # same content as manifest.json: stored once
    return root


def test_put_folder_is_content_addressed_and_idempotent(folder: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    digest, files = store.put_folder(folder)
    assert [f.path for f in files] == ["copy.json", "manifest.json", "models/m/weights.bin"]
    for f in files:
        obj = store.object_path(f.sha256)
        assert obj.parent.name == f.sha256[:2]
        assert hashlib.sha256(obj.read_bytes()).hexdigest() == f.sha256
    assert len(list(store.objects.glob("*/*"))) == 3  # two distinct files plus the manifest
    assert store.put_folder(folder) == (digest, files)
    assert not list(store.tmp.glob("*"))  # staged writes were all moved in


def test_materialize_verifies_and_names_the_bad_file(folder: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    digest, files = store.put_folder(folder)
    out = store.materialize(digest, label="model 'x@1'")
    assert (out / "models" / "m" / "weights.bin").read_bytes() == (folder / "models" / "m" / "weights.bin").read_bytes()
    weights = next(f for f in files if f.path.endswith("weights.bin"))
    store.object_path(weights.sha256).write_bytes(b"evil")
    with pytest.raises(IntegrityError, match=r"model 'x@1': file 'models/m/weights.bin' does not match"):
        store.materialize(digest, label="model 'x@1'")
    store.object_path(weights.sha256).unlink()
    with pytest.raises(IntegrityError, match=r"'models/m/weights\.bin' is missing"):
        store.verify(digest)


def test_gc_keeps_referenced_and_young_files(folder: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "artifacts")
    digest, _ = store.put_folder(folder)
    orphan = store.put_bytes(b"left behind by a crash")
    (store.tmp / "dead.part").write_bytes(b"half")
    keep = store.referenced([digest])
    assert store.gc(keep).objects == 0  # within the grace period
    report = store.gc(keep, grace_seconds=0)
    assert (report.objects, report.temp_files) == (1, 1)
    assert not store.object_path(orphan).exists()
    store.verify(digest)


def test_put_folder_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no folder"):
        ArtifactStore(tmp_path).put_folder(tmp_path / "absent")


def test_canonical_json_and_entry_hash() -> None:
    assert canonical_json({"b": [1, 2.5], "a": "é"}) == '{"a":"é","b":[1,2.5]}'
    entry = {
        "seq": 1, "time": "t", "actor": "a", "action": "x", "object_type": "o", "object_id": "i",
        "details": "{}", "prev_hash": GENESIS_HASH,
    }  # fmt: skip
    h = entry_hash(entry)
    assert h == entry_hash({**entry, "hash": "ignored"})
    for key, value in [("seq", 2), ("actor", "b"), ("details", '{"x":1}'), ("prev_hash", "1" * 64)]:
        assert entry_hash({**entry, key: value}) != h


def test_settings_from_env(tmp_path: Path) -> None:
    s = Settings.from_env({"FORGEML_HOME": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path}/forgeml.db" and s.artifact_root == tmp_path / "artifacts"
    assert s.actor
    pg = Settings.from_env({"FORGEML_HOME": str(tmp_path), "FORGEML_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert pg.database_url.startswith("postgresql")


def test_bad_database_url() -> None:
    with pytest.raises(ConfigError, match="FORGEML_DATABASE_URL"):
        make_engine("mysql://x@y/z")
    with pytest.raises(ConfigError, match="FORGEML_DATABASE_URL"):
        make_engine("not a url")
