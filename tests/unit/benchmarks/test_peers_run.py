"""The harness end to end with the constant predictor (no peer needed): the split files, the
runner protocol, scoring, the constant fallback of a failed or killed run, and --resume."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import _spec
import numpy as np
import pandas as pd
import psutil
import pytest
import run
from _data import prepare_split
from _results import completed_keys, read_rows, run_key


@pytest.fixture(scope="module")
def datasets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("datasets")
    rng = np.random.default_rng(0)
    n = 80
    x = rng.normal(size=n)
    pd.DataFrame({"x": x, "colour": rng.choice(["red", "blue"], n), "label": np.where(x > 0, "pos", "neg")}).to_csv(
        folder / "tiny_binary.csv", index=False
    )
    pd.DataFrame({"x": x, "y": 3 * x + rng.normal(size=n)}).to_csv(folder / "tiny_reg.csv", index=False)
    manifest = {
        "datasets": [
            {
                "name": "tiny_binary",
                "file": "tiny_binary.csv",
                "target": "label",
                "task": "binary",
                "positive_class": "pos",
            },
            {"name": "tiny_reg", "file": "tiny_reg.csv", "target": "y", "task": "regression"},
        ]
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def bench(datasets_dir: Path, out: Path, *extra: str) -> list[dict]:
    argv = ["--time-limit", "5", "--frameworks", "constant", "--datasets-dir", str(datasets_dir)]
    argv += ["--reader", "pandas", "--out", str(out), *extra]
    assert run.main(argv) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_the_test_file_has_no_target_and_the_split_is_seeded(datasets_dir: Path, tmp_path: Path) -> None:
    entry = json.loads((datasets_dir / "manifest.json").read_text())["datasets"][0]
    a = prepare_split(entry, datasets_dir, 0, "pandas", tmp_path / "a")
    b = prepare_split(entry, datasets_dir, 0, "pandas", tmp_path / "b")
    test = pd.read_parquet(a.test_path)
    assert "label" not in test.columns and len(test) == 20
    assert len(pd.read_parquet(a.train_path)) == 60
    assert test.equals(pd.read_parquet(b.test_path))
    assert list(a.y_test) == list(b.y_test)


def test_constant_framework_runs_and_scores_as_the_constant_predictor(datasets_dir: Path, tmp_path: Path) -> None:
    rows = bench(datasets_dir, tmp_path / "r.jsonl")
    assert [(r["dataset"], r["framework"], r["ok"]) for r in rows] == [
        ("tiny_binary", "constant", True),
        ("tiny_reg", "constant", True),
    ]
    for r in rows:
        assert r["score"] == pytest.approx(r["constant_score"])
        assert r["peak_rss_mb"] > 10 and r["fit_seconds"] is not None
        assert r["overrun_seconds"] == pytest.approx(r["fit_seconds"] - 5)
    assert rows[0]["score"] == 0.5 and rows[0]["metric"] == "roc_auc"
    assert rows[1]["metric"] == "rmse" and "r2" in rows[1]


def test_resume_skips_runs_already_in_the_file(datasets_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    first = bench(datasets_dir, out, "--datasets", "tiny_binary")
    assert len(first) == 1
    both = bench(datasets_dir, out, "--resume")
    assert [r["dataset"] for r in both] == ["tiny_binary", "tiny_reg"]  # only tiny_reg was run
    assert both[0] == first[0]
    appended = bench(datasets_dir, out, "--append", "--datasets", "tiny_binary")  # run again, newer row wins
    assert len(appended) == 3
    assert [r["wall_seconds"] for r in read_rows([out])] == [appended[2]["wall_seconds"], appended[1]["wall_seconds"]]
    again = bench(datasets_dir, out)  # without --resume or --append the file starts over
    assert len(again) == 2


def test_completed_keys_and_last_row_wins(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        {"framework": "h2o", "dataset": "d", "time_limit": 60, "seed": 0, "ok": False},
        {"framework": "flaml", "dataset": "d", "time_limit": 60, "seed": 0, "ok": True},
        {"framework": "h2o", "dataset": "d", "time_limit": 60, "seed": 0, "ok": True, "score": 0.8},
    ]
    path.write_text("\n".join(json.dumps(r) for r in lines[:2]) + "\n{truncated\n" + json.dumps(lines[2]) + "\n")
    rows = read_rows([path])
    assert [(r["framework"], r["ok"]) for r in rows] == [("h2o", True), ("flaml", True)]
    assert completed_keys(lines[:2]) == {run_key("h2o", "d", 60, 0), run_key("flaml", "d", 60, 0)}
    assert completed_keys(lines[:2], rerun_failed=True) == {run_key("flaml", "d", 60.0, 0)}


@pytest.fixture()
def fake_runners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runners"
    folder.mkdir()
    monkeypatch.setattr(_spec, "RUNNERS_DIR", folder)
    return folder


def test_a_crashing_runner_scores_as_the_constant_predictor_with_its_error(
    datasets_dir: Path, tmp_path: Path, fake_runners: Path
) -> None:
    (fake_runners / "constant_runner.py").write_text(
        "import sys\nprint('out of cheese', file=sys.stderr)\nsys.exit(3)\n"
    )
    rows = bench(datasets_dir, tmp_path / "r.jsonl", "--datasets", "tiny_reg")
    (r,) = rows
    assert r["ok"] is False and r["failed"] is True and r["killed"] is False
    assert r["returncode"] == 3 and "no result" in r["error"] and "out of cheese" in r["output_tail"]
    assert r["score"] == pytest.approx(r["constant_score"])


def test_a_runner_past_the_hard_limit_is_killed_with_its_children(
    datasets_dir: Path, tmp_path: Path, fake_runners: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "child.pid"
    (fake_runners / "constant_runner.py").write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    monkeypatch.setattr(run, "hard_limit", lambda time_limit: 1.5)
    (r,) = bench(datasets_dir, tmp_path / "r.jsonl", "--datasets", "tiny_binary")
    assert r["killed"] is True and r["ok"] is False and "killed after" in r["error"]
    assert r["score"] == 0.5  # the constant predictor's ROC AUC
    assert r["overrun_is_lower_bound"] is True and r["overrun_seconds"] == pytest.approx(r["wall_seconds"] - 5)
    child = int(pid_file.read_text())
    # the child that left the process group was killed too (gone, or a zombie nobody reaped yet)
    with contextlib.suppress(psutil.NoSuchProcess):
        assert psutil.Process(child).status() == psutil.STATUS_ZOMBIE
