"""The frameworks the peers benchmark knows: where each one runs, what to install for it, and how
the harness metric is spelt in its own API. Standard library only (``setup.py`` imports it before
any virtual environment exists).

Example:
    >>> FRAMEWORKS["flaml"].pip_packages[0]
    'flaml[automl]==2.7.0'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PEERS_DIR = Path(__file__).resolve().parent
REPO_ROOT = PEERS_DIR.parents[1]
VENVS_DIR = PEERS_DIR / ".venvs"
RUNNERS_DIR = PEERS_DIR / "runners"
DEFAULT_FORGEML_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"

METRIC_BY_TASK = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
GREATER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}


@dataclass(frozen=True)
class Framework:
    """One framework: its runner script, the distribution whose version is recorded, and, for a
    peer, the virtual environment and the pinned packages ``setup.py`` installs into it
    (``pre_packages`` first, in their own ``pip install``)."""

    name: str
    runner: str
    distribution: str | None
    peer: bool = True
    pip_packages: tuple[str, ...] = ()
    pre_packages: tuple[str, ...] = ()
    needs_java: bool = False
    metric_names: dict[str, str] = field(default_factory=dict)

    @property
    def venv(self) -> Path:
        return VENVS_DIR / self.name

    @property
    def runner_path(self) -> Path:
        return RUNNERS_DIR / self.runner


# Every peer venv also gets pandas + pyarrow (the runners read Parquet) and psutil.
COMMON_PEER_PACKAGES = ("pandas", "pyarrow", "psutil")

FRAMEWORKS: dict[str, Framework] = {
    "forgeml": Framework(
        "forgeml",
        "forgeml_runner.py",
        "forgeml",
        peer=False,
        metric_names={"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "rmse"},
    ),
    "flaml": Framework(
        "flaml",
        "flaml_runner.py",
        "flaml",
        pip_packages=("flaml[automl]==2.7.0",),
        metric_names={"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "rmse"},
    ),
    "autogluon": Framework(
        "autogluon",
        "autogluon_runner.py",
        "autogluon.tabular",
        # The fastai extra and torch complete AutoGluon's default model zoo (its NN_TORCH and
        # FASTAI models are skipped without them, as AMLB does not). torch is pinned first to the
        # local CPU wheel so that no CUDA build is pulled in.
        pip_packages=("autogluon.tabular[lightgbm,catboost,xgboost,fastai]==1.6.3",),
        pre_packages=("torch==2.13.0",),
        metric_names={"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"},
    ),
    "h2o": Framework(
        "h2o",
        "h2o_runner.py",
        "h2o",
        pip_packages=("h2o==3.46.0.12",),
        needs_java=True,
        metric_names={"roc_auc": "AUC", "log_loss": "logloss", "rmse": "RMSE"},
    ),
    "constant": Framework("constant", "constant_runner.py", None, peer=False),
}

PEERS = tuple(name for name, fw in FRAMEWORKS.items() if fw.peer)


def parse_frameworks(text: str) -> list[str]:
    """Comma-separated framework names, validated, in the order given.

    Example:
        >>> parse_frameworks("forgeml, h2o")
        ['forgeml', 'h2o']
    """
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise ValueError(f"unknown frameworks {unknown}; choose from {', '.join(FRAMEWORKS)}")
    if not names:
        raise ValueError(f"no framework given; choose from {', '.join(FRAMEWORKS)}")
    return names
