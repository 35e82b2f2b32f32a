"""Fixtures for the registry, audit and store tests, run on SQLite and on PostgreSQL.

PostgreSQL: a fresh database ``forgeml_test_<uuid>`` is created per session from
``FORGEML_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and
dropped at the end; tables are emptied after each test. The PostgreSQL tests are skipped only when
the server is unreachable and ``CI`` is not set; in CI an unreachable server fails them.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _registry_helpers import env_for, small_frame
from sqlalchemy import text

import forgeml
from forgeml.config import Settings
from forgeml.store import Store, close_default_stores

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_url(pg_server: Any) -> str:
    return pg_server.create()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'forgeml.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    return Settings(home=home, database_url=url, artifact_root=home / "artifacts", actor="tester")


@pytest.fixture
def fresh_settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at a database nobody has opened yet (to test concurrent first starts)."""
    home = tmp_path / "fresh"
    url = f"sqlite:///{home / 'forgeml.db'}" if backend == "sqlite" else request.getfixturevalue("pg_server").create()
    return Settings(home=home, database_url=url, artifact_root=home / "artifacts", actor="tester")


@pytest.fixture
def store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """An open, empty store; the environment points at it too (for the CLI and ``forgeml.load``)."""
    for key, value in env_for(settings).items():
        monkeypatch.setenv(key, value)
    st = Store.open(settings)
    yield st
    close_default_stores()
    if st.backend == "postgresql":
        with st.write() as conn:
            conn.execute(
                text(
                    "TRUNCATE audit_log, alias_history, aliases, version_datasets, model_versions, models, datasets, "
                    "prediction_log, feedback, live_profiles, erasures "
                    "RESTART IDENTITY CASCADE"
                )
            )
    st.close()


@pytest.fixture(scope="session")
def train_frame() -> pd.DataFrame:
    return small_frame()


@pytest.fixture(scope="session")
def trained(train_frame: pd.DataFrame) -> forgeml.AutoML:
    """One tiny real model, trained once per session."""
    return forgeml.AutoML(max_trials=1, executor="serial", families=["linear"]).fit(train_frame, target="label")


@pytest.fixture(scope="session")
def model_folder(trained: forgeml.AutoML, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained.save(tmp_path_factory.mktemp("model") / "model")


@pytest.fixture
def variant_folder(model_folder: Path, tmp_path: Path) -> Callable[[str], Path]:
    """A copy of the model folder with one extra file, so its artifact differs from the others."""

    def _make(tag: str) -> Path:
        dest = tmp_path / f"model-{tag}"
        shutil.copytree(model_folder, dest)
        (dest / "notes.txt").write_text(f"variant {tag} {uuid.uuid4().hex}\n")
        return dest

    return _make
