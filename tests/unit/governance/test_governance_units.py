"""The salted subject hash, subject-id matching, reason masking, the report's JSON form and retention ages."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forgeml.config import RunConfig, Settings, parse_age
from forgeml.errors import ConfigError
from forgeml.governance import AffectedModel, DatasetErasure, ErasureReport, RetrainOutcome, subject_hash
from forgeml.governance._erase import _matches, _redact
from forgeml.store._subjects import SALT_FILE, normalise_subject


def _settings(home: Path, salt: str | None = None) -> Settings:
    env = {"FORGEML_HOME": str(home)}
    if salt is not None:
        env["FORGEML_ERASURE_SALT"] = salt
    return Settings.from_env(env)


def test_salt_file_is_created_once_private_and_reused(tmp_path: Path) -> None:
    s = _settings(tmp_path / "home")
    first = subject_hash("C-1042", s)
    salt_file = tmp_path / "home" / SALT_FILE
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert subject_hash("C-1042", s) == first and len(first) == 64
    assert "C-1042" not in first and subject_hash("C-1043", s) != first
    assert list((tmp_path / "home").iterdir()) == [salt_file]  # no staging file left behind


def test_hash_depends_on_the_installation_salt(tmp_path: Path) -> None:
    a = subject_hash("C-1042", _settings(tmp_path / "a"))
    b = subject_hash("C-1042", _settings(tmp_path / "b"))
    env = subject_hash("C-1042", _settings(tmp_path / "c", salt="pepper"))
    assert len({a, b, env}) == 3
    assert subject_hash("C-1042", _settings(tmp_path / "d", salt="pepper")) == env
    assert not (tmp_path / "c" / SALT_FILE).exists()  # the environment's salt is used, no file written


def test_subject_ids_are_normalised() -> None:
    assert normalise_subject(1042) == normalise_subject(1042.0) == normalise_subject(" 1042 ") == "1042"
    with pytest.raises(ConfigError, match="'subject' must be a non-empty subject id"):
        normalise_subject("  ")


def test_matching_rows_by_column_type() -> None:
    assert _matches(pd.Series(["C-7", " C-7", "C-77", None]), "C-7").tolist() == [True, True, False, False]
    assert _matches(pd.Series([7, 70, 7]), "7").tolist() == [True, False, True]
    assert _matches(pd.Series([7.0, np.nan, 8.0]), "7").tolist() == [True, False, False]
    assert _matches(pd.Series(["7.0", "7", "x"]), "7").tolist() == [True, True, False]
    assert not _matches(pd.Series([1, 2]), "C-7").any()


def test_reason_never_keeps_the_id() -> None:
    assert _redact("request by C-7 (C-7@example.org)", "C-7", "C-7") == "request by [subject] ([subject]@example.org)"
    assert _redact("GDPR art. 17", "7", "7") == "GDPR art. 17"  # only whole tokens are masked
    assert _redact(None, "7", "7") is None


def test_report_round_trips_through_json() -> None:
    report = ErasureReport(
        3,
        "ab" * 32,
        status="done",
        datasets=[DatasetErasure("d@1", 2, "d@2")],
        affected_models=[AffectedModel("m@1", ("champion",), ("d@1",), True)],
        retrained=[RetrainOutcome("m", "m@1", ("d@2",), "promoted", "m@2", "better")],
        predictions_deleted=4,
    )
    again = ErasureReport.from_json(report.to_json())
    assert again == report
    assert report.to_json()["rows_removed"] == 2 and report.still_holding == ["m@1"] and not report.nothing_found


def test_retention_ages() -> None:
    assert parse_age("90d") == 90 * 86400.0 and parse_age("2w") == 14 * 86400.0 and parse_age("12h") == 43200.0
    assert parse_age("forever") is None and parse_age(None) is None
    with pytest.raises(ConfigError, match="'retention' must look like 90d"):
        parse_age("ninety days")
    assert Settings.from_env({"FORGEML_HOME": "/x", "FORGEML_RETENTION": "30d"}).retention == 30 * 86400.0
    with pytest.raises(ConfigError, match="FORGEML_RETENTION"):
        Settings.from_env({"FORGEML_HOME": "/x", "FORGEML_RETENTION": "soon"})


def test_run_config_records_subject_and_allowed_pii() -> None:
    cfg = RunConfig(subject_column="customer_id", allow_pii=("email",))
    assert cfg.to_json()["subject_column"] == "customer_id" and cfg.to_json()["allow_pii"] == ["email"]
    with pytest.raises(ConfigError, match="'subject_column' must be a column name"):
        RunConfig(subject_column="")
