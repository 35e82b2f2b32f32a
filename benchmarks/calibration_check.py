"""Does temperature scaling help forgeml's letter ensemble? (issue 3: AutoGluon's lead on letter).

Fits the two members forgeml's 300 s ensemble keeps on letter (the MLP default and LightGBM,
early-stopped) on 80% of the harness's training part, fits a temperature on the other 20%, and
prints the test log loss of each member and of their 50/50 blend, before and after scaling, and of
a blend of the scaled members. Same seeded 75/25 split as ``benchmarks/peers``.

Example:
    .venv/bin/python benchmarks/calibration_check.py      # about 30 s on 2 cores
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler

from forgeml.models import TaskInfo
from forgeml.models.mlp import MLPModel

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "letter.csv.gz"
K = 26


def scaled(p: np.ndarray, t: float) -> np.ndarray:
    z = np.log(np.clip(p, 1e-15, 1.0)) / t
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def temperature(p: np.ndarray, y: np.ndarray) -> float:
    def loss(log_t: float) -> float:
        return float(log_loss(y, scaled(p, np.exp(log_t)), labels=range(K)))

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x))


def main() -> None:
    df = pd.read_csv(DATA)
    y = LabelEncoder().fit_transform(df.pop("letter").astype(str))
    X = df.to_numpy(dtype=float)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    sc = StandardScaler().fit(X_tr)
    X_tr, X_te = sc.transform(X_tr), sc.transform(X_te)
    X_a, X_v, y_a, y_v = train_test_split(X_tr, y_tr, test_size=0.2, random_state=0, stratify=y_tr)
    mlp = MLPModel(TaskInfo("multiclass", K), {}, seed=0).fit(X_a, y_a, X_val=X_v, y_val=y_v)
    gbm = lgb.LGBMClassifier(n_estimators=2000, learning_rate=0.05, verbose=-1, n_jobs=2)
    gbm.fit(X_a, y_a, eval_set=[(X_v, y_v)], callbacks=[lgb.early_stopping(50, verbose=False)])
    members: dict[str, Callable[[np.ndarray], np.ndarray]] = {"mlp": mlp.predict, "lightgbm": gbm.predict_proba}
    temps = {}
    for name, predict in members.items():
        temps[name] = t = temperature(predict(X_v), y_v)
        p_te = predict(X_te)
        before, after = log_loss(y_te, p_te, labels=range(K)), log_loss(y_te, scaled(p_te, t), labels=range(K))
        print(f"{name:9s} T={t:.3f}  test log loss {before:.4f} -> {after:.4f}")
    blend_v = 0.5 * mlp.predict(X_v) + 0.5 * gbm.predict_proba(X_v)
    blend_te = 0.5 * mlp.predict(X_te) + 0.5 * gbm.predict_proba(X_te)
    t = temperature(blend_v, y_v)
    before, after = log_loss(y_te, blend_te, labels=range(K)), log_loss(y_te, scaled(blend_te, t), labels=range(K))
    print(f"blend     T={t:.3f}  test log loss {before:.4f} -> {after:.4f}")
    both = 0.5 * scaled(mlp.predict(X_te), temps["mlp"]) + 0.5 * scaled(gbm.predict_proba(X_te), temps["lightgbm"])
    print(f"blend of scaled members: test log loss {log_loss(y_te, both, labels=range(K)):.4f}")


if __name__ == "__main__":
    main()
