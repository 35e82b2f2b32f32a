"""``forgeml card``: a registered model's card (lineage, approvals, metrics with intervals, fairness
view per segment) as Markdown and as HTML rendered in headless Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from test_report_cli import assert_self_contained, chart_bands, chromium, drawn_svgs
from typer.testing import CliRunner

from forgeml import registry
from forgeml.cli import app
from forgeml.store import close_default_stores


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, credit_df: pd.DataFrame) -> Iterator[dict[str, Path]]:
    """A registry with credit@1 (trained by ana, champion) then promoted to 'production' by bob."""
    root = tmp_path_factory.mktemp("card")
    train, holdout = root / "credit_train.csv", root / "holdout.csv"
    credit_df.iloc[:700].to_csv(train, index=False)
    credit_df.iloc[700:].to_csv(holdout, index=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("FORGEML_HOME", str(root / "home"))
    mp.setenv("FORGEML_ACTOR", "ana")
    close_default_stores()
    runner = CliRunner()
    args = ["train", str(train), "--target", "default", "--max-trials", "2", "--families", "lightgbm,linear"]
    result = runner.invoke(app, [*args, "--folds", "3", "--out", str(root / "m"), "--name", "credit",
                                 "--alias", "champion", "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    mp.setenv("FORGEML_ACTOR", "bob")
    close_default_stores()
    assert runner.invoke(app, ["models", "alias", "credit", "1", "production"]).exit_code == 0
    yield {"root": root, "train": train, "holdout": holdout}
    close_default_stores()
    mp.undo()


def card(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["card", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_markdown_card_of_a_registered_model(home: dict[str, Path], runner: CliRunner) -> None:
    use = "Rank loan applications for a second review; never decides alone."
    md = card(runner, "credit@champion", "--intended-use", use, "--data", str(home["holdout"]),
              "--segment", "personal_status", "--limitations", "Data from one bank in the 1990s.")  # fmt: skip
    assert md.startswith("# Model card: credit@1")
    assert use in md and "- Data from one bank in the 1990s." in md
    fingerprint = registry.get_dataset("credit_train", 1).fingerprint
    assert f"| credit_train | 1 | {fingerprint} | 700 |" in md
    assert re.search(r"\| [\d\-T:]+ \| ana \| champion \| 1 \| – \|", md), md
    assert re.search(r"\| [\d\-T:]+ \| bob \| production \| 1 \| – \|", md), md
    assert re.search(r"Cross-validated roc_auc over 3 folds: \*\*0\.\d+\*\* \(95% interval 0\.\d+ – 0\.\d+\)", md)
    assert "On 300 held-out rows" in md
    seg = re.findall(r"^\| (all|female|single male|married male|divorced male) \| (\d+) \|", md, flags=re.M)
    counts = dict(seg)
    assert set(counts) == {"all", "female", "single male", "married male", "divorced male"}
    assert int(counts["all"]) == 300 == sum(int(v) for k, v in counts.items() if k != "all")
    assert "Trained on 700 rows only" in md
    assert "- Drift: The held-out data (300 rows) " in md and "from the training data (" in md
    assert "Live traffic" not in md  # never served: nothing recorded
    assert "| months_loan_duration | numeric |" in md  # features used, with roles


def test_html_card_renders_in_chromium(home: dict[str, Path], runner: CliRunner, tmp_path: Path) -> None:
    use_file = tmp_path / "use.txt"
    use_file.write_text("Second-review ranking of loan applications.")
    page = tmp_path / "card.html"
    out = card(runner, "credit", "--intended-use-file", str(use_file), "--data", str(home["holdout"]),
               "--segment", "age", "-o", str(page))  # fmt: skip
    assert "wrote model card of credit@1" in out
    html = page.read_text()
    assert_self_contained(html)
    assert "Second-review ranking of loan applications." in html and "<h2>Approvals</h2>" in html
    dom, img = chromium(page, tmp_path)
    assert "<h2>Performance per segment</h2>" in dom and dom.count("<table>") >= 6
    svgs = drawn_svgs(dom)
    assert len(svgs) == 1 and "roc_auc per age" in svgs[0]
    assert len(chart_bands(img)) == 1 and img.std() > 20


def test_card_errors(home: dict[str, Path], runner: CliRunner, user_error, tmp_path: Path) -> None:
    holdout = str(home["holdout"])
    user_error(runner.invoke(app, ["card", "credit", "--data", holdout, "--segment", "gender"]),
               "segment column 'gender' is not in the data", "personal_status", "checking_balance")  # fmt: skip
    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(home["holdout"]).drop(columns=["default"]).to_csv(unlabelled, index=False)
    user_error(runner.invoke(app, ["card", "credit", "--data", str(unlabelled), "--segment", "age"]),
               "no target column 'default'", "needs labelled rows")  # fmt: skip
    user_error(runner.invoke(app, ["card", "credit", "--segment", "age"]), "--segment 'age' needs --data")
    user_error(runner.invoke(app, ["card", "credit", "--intended-use", "x", "--intended-use-file", holdout]),
               "either --intended-use or --intended-use-file")  # fmt: skip
    user_error(
        runner.invoke(app, ["card", "credit", "-o", str(tmp_path / "card.pdf")]), "'-o' must end in .md or .html"
    )
    user_error(runner.invoke(app, ["card", "nosuchmodel"]), "no registered model 'nosuchmodel'", "credit")


def test_report_of_a_registered_model_explains_its_training_table(home: dict[str, Path], runner, tmp_path) -> None:
    page = tmp_path / "registered.html"
    result = runner.invoke(app, ["report", "credit@production", "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "Mean |contribution| (700 rows)" in html and "to the positive-class probability" in html
    assert "training dataset credit_train@1" in html and "ROC curve" not in html


@pytest.mark.slow  # starts a real server: about 15 s
def test_card_reports_drift_of_recorded_live_traffic(home: dict[str, Path], runner: CliRunner) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    forgeml = str(Path(sys.executable).with_name("forgeml"))
    cmd = [forgeml, "serve", "--models", "credit", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/v2/health/ready").status_code == 200:
                    break
            time.sleep(0.3)
        df = pd.read_csv(home["holdout"]).drop(columns=["default"]).head(120)
        rows = df.astype(object).where(df.notna(), None).to_dict("records")
        got = httpx.post(f"{url}/v1/models/credit:predict", json={"instances": rows}, timeout=30)
        assert got.status_code == 200, got.text
    finally:
        proc.terminate()  # a clean shutdown writes the buffered live window
        proc.wait(30)
    md = card(runner, "credit")
    assert re.search(r"- Drift: Live traffic since [\d\-T:]+ \(120 rows\) (drifts|does not drift)", md), md
