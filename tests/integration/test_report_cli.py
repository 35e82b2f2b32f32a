"""``forgeml report``: the HTML page is written, self-contained, and draws its charts in a real browser
(headless Chromium: ``--dump-dom`` for the SVG elements, ``--screenshot`` for the pixels)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from forgeml.cli import app

CHART_BLUE = (59, 110, 165)  # the bars, curves and points of the charts (#3b6ea5)


def chromium(page: Path, tmp: Path) -> tuple[str, np.ndarray]:
    """``(DOM after rendering, screenshot as an RGB array)`` of ``page`` in headless Chromium."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "headless Chromium is needed (CI installs it: apt-get install chromium)"
    common = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'chromium-profile'}",
    ]
    url = page.resolve().as_uri()
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    shot = tmp / f"{page.stem}.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1280,4000", url], capture_output=True,
                   timeout=120, check=True)  # fmt: skip
    return dom, np.asarray(Image.open(shot).convert("RGB"))


def drawn_svgs(dom: str) -> list[str]:
    """The SVG elements of the rendered page that hold at least one drawn path."""
    svgs = re.findall(r"<svg\b.*?</svg>", dom, flags=re.S)
    return [s for s in svgs if re.search(r'<path\b[^>]*\bd="M[^"]{8,}', s)]


def chart_bands(img: np.ndarray, colour: tuple[int, int, int] = CHART_BLUE, gap: int = 40) -> list[tuple[int, int]]:
    """Vertical extents (top, bottom pixel rows) of the areas where ``colour`` is painted."""
    near = (np.abs(img.astype(int) - np.array(colour)).sum(axis=2) < 40).sum(axis=1)
    rows = np.flatnonzero(near >= 3)
    bands: list[tuple[int, int]] = []
    for r in rows:
        if bands and r - bands[-1][1] <= gap:
            bands[-1] = (bands[-1][0], int(r))
        else:
            bands.append((int(r), int(r)))
    return [b for b in bands if b[1] - b[0] >= 30]


def assert_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, flags=re.I), "the page fetches something"
    assert not re.search(r"url\(\s*['\"]?https?:", html, flags=re.I)


@pytest.fixture(scope="module")
def holdout(tmp_path_factory: pytest.TempPathFactory, credit_df: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("holdout") / "holdout.csv"
    credit_df.sample(300, random_state=1).to_csv(path, index=False)
    return path


def test_report_renders_its_charts_in_chromium(runner, credit_model, holdout: Path, tmp_path: Path) -> None:
    model, _ = credit_model
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(model), "--data", str(holdout), "-o", str(page), "--max-rows", "200"])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert_self_contained(html)
    for title in (
        "Leaderboard",
        "Permutation importance",
        "Mean |contribution|",
        "Confusion matrix",
        "ROC curve",
        "Precision-recall curve",
        "Calibration",
        "Training data profile",
        "300 labelled held-out rows",
    ):
        assert title in html, title  # fmt: skip
    dom, img = chromium(page, tmp_path)
    drawn = drawn_svgs(dom)
    assert len(drawn) >= 8, (
        f"only {len(drawn)} charts with drawn paths"
    )  # CV, 2 importances, CM, ROC, PR, calib, profile
    assert any("ROC curve" in s for s in drawn) and any("Permutation importance" in s for s in drawn)
    assert img.shape[1] == 1280 and img.std() > 20  # not a blank page
    bands = chart_bands(img)
    assert len(bands) >= 4, f"chart colour found in {len(bands)} areas: {bands}"
    for top, bottom in bands:  # inside each chart area the picture is varied, not a flat block
        area = img[top : bottom + 1]
        assert len(np.unique(area.reshape(-1, 3), axis=0)) > 50


@pytest.mark.slow  # trains a model with text and dates, renders twice: about 20 s
def test_report_of_a_regressor(runner, tmp_path: Path, frames, write_csv) -> None:
    df = frames["regression"](n=260, seed=3)
    train, test = write_csv(df.iloc[:200], "train.csv"), write_csv(df.iloc[200:], "test.csv")
    args = ["train", str(train), "--target", "price", "--max-trials", "2", "--families", "lightgbm,linear"]
    assert runner.invoke(app, [*args, "--folds", "2", "--out", str(tmp_path / "m"), "--quiet"]).exit_code == 0
    page = tmp_path / "reg.html"
    result = runner.invoke(app, ["report", str(tmp_path / "m"), "--data", str(test), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    for title in ("Predicted vs actual", "Residuals vs predicted", "Calibration (mean actual per bin"):
        assert title in html
    assert "ROC curve" not in html
    dom, img = chromium(page, tmp_path)
    assert len(drawn_svgs(dom)) >= 8 and len(chart_bands(img)) >= 4


def test_report_without_data_says_what_is_missing(runner, credit_model, tmp_path: Path) -> None:
    model, _ = credit_model
    page = tmp_path / "plain.html"
    result = runner.invoke(app, ["report", str(model), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "need labelled held-out rows" in html and "--data holdout.csv" in html
    assert "ROC curve" not in html and "Leaderboard" in html and "Training data profile" in html


def test_report_errors(runner, credit_model, credit_df: pd.DataFrame, write_csv, tmp_path: Path, user_error) -> None:
    model, _ = credit_model
    user_error(runner.invoke(app, ["report", str(model), "-o", str(tmp_path / "r.pdf")]), "'-o' must end in .html")
    user_error(runner.invoke(app, ["report", str(model), "-o", str(tmp_path / "nowhere" / "r.html")]), "does not exist")
    unlabelled = write_csv(credit_df.drop(columns=["default"]).head(50), "unlabelled.csv")
    user_error(
        runner.invoke(app, ["report", str(model), "--data", str(unlabelled), "-o", str(tmp_path / "r.html")]),
        "no target column 'default'",
        "needs labelled rows",
    )
    user_error(runner.invoke(app, ["report", str(tmp_path / "missing-model"), "-o", str(tmp_path / "r.html")]),
               "no model at")  # fmt: skip
