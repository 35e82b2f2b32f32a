"""Per-row explanations: how much each input column moved a prediction away from a base value.

What an explanation sums to
---------------------------
:func:`explain` reports contributions in the **output space of the predictor**: the blended class
probabilities (classification) or the predicted value (regression), per *input* column (one-hot,
TF-IDF and datetime parts are summed back to the column they come from). For every row and class::

    base_value + sum(contributions) == predictor.predict_raw(row)      # exactly, up to rounding

so an explanation of an ensemble adds up to what the ensemble predicts, not to a member's log-odds.

How each member is explained (``Explanation.members`` keeps each member's own numbers):

============================== =======================================================================
LightGBM, XGBoost, CatBoost    exact TreeSHAP from the library (``Model.contributions``) in the
                               booster's margin space (log-odds, or the value); base: expected margin
linear                         exact ``coef * (x - r)`` in the margin space, ``r`` the encoded
                               all-missing row (medians, no category); base: the margin at ``r``
random_forest, extra_trees     path attribution (Saabas): each split's change of the node value goes
                               to the split's column; sums exactly to the forest's output; an
                               approximation of SHAP that favours splits near the leaves
any other family (knn, ...)    baseline Shapley values relative to ``r``, averaged over
                               ``n_permutations`` seeded column orders (each order sums exactly)
============================== =======================================================================

From margin to output space: the margin moves from the base ``b`` to ``m = b + sum(phi)``; each
column gets its share of the output change along that straight path (integrated gradients of the
link): ``phi_j * (sigmoid(m) - sigmoid(b)) / (m - b)`` for binary tasks, a 32-point Gauss-Legendre
integral of the softmax Jacobian for multiclass ones, ``phi_j`` itself for regression. The member's
base becomes ``link(b)``; what rounding leaves (float32 boosters) is spread over the columns in
proportion to their size, so each member sums to its own ``Model.predict`` output. The ensemble's
base and contributions are the members' weighted sums.

Example:
    >>> ex = explain(forgeml.load("credit-model"), "applicants.csv")     # doctest: +SKIP
    >>> ex.top(3)[0]                                                      # doctest: +SKIP
    {'prediction': 'bad', 'explained_class': 'bad', 'output': 0.71, 'base_value': 0.30, ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from forgeml.automl import AutoML
from forgeml.data import coerce_frame, read_table
from forgeml.errors import ConfigError, DataError
from forgeml.predictor import Member, Predictor

__all__ = ["Explanation", "MemberExplanation", "explain"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)
_NODES, _WEIGHTS = (_NODES + 1.0) / 2.0, _WEIGHTS / 2.0
_FORESTS = ("random_forest", "extra_trees")
_MAX_CELLS = 4_000_000  # rows x columns per block of the baseline-Shapley evaluations


@dataclass(frozen=True)
class MemberExplanation:
    """One member's own explanation before blending: ``values`` ``(rows, columns, outputs)`` and
    ``base`` ``(outputs,)`` in ``space`` (``"margin"``: the booster's raw score, one output for
    binary and regression fits; ``"output"``: probabilities or values), by ``method``."""

    name: str
    family: str
    weight: float
    method: str
    space: str
    base: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Explanation:
    """Contributions of the input ``features`` for each row, in the predictor's output space.

    ``values``: ``(rows, features, classes)`` for classifiers, ``(rows, features)`` for regressors;
    ``base_value``: ``(classes,)`` or a one-element array; ``output``: ``predict_raw`` of the rows,
    equal to ``base_value + values.sum(axis=1)``.
    """

    features: list[str]
    task: str
    classes: list[Any]
    base_value: np.ndarray
    values: np.ndarray
    output: np.ndarray
    members: list[MemberExplanation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    def explained_classes(self, class_: Any = None) -> np.ndarray:
        """Per row, the index of the class explained: ``class_`` if given, the positive class of a
        binary task, else the predicted class (regression: zeros)."""
        if self.task == "regression":
            return np.zeros(self.n_rows, dtype=int)
        if class_ is not None:
            names = [str(c) for c in self.classes]
            if str(class_) not in names:
                raise ConfigError(f"'class' must be one of {', '.join(names)}, got {class_!r}.")
            return np.full(self.n_rows, names.index(str(class_)))
        if self.task == "binary":
            return np.ones(self.n_rows, dtype=int)
        return np.asarray(np.argmax(self.output, axis=1), dtype=int)

    def for_class(self, class_: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(base (rows,), values (rows, features), output (rows,))`` of the explained class per row."""
        if self.task == "regression":
            return np.full(self.n_rows, float(self.base_value[0])), self.values, self.output
        k = self.explained_classes(class_)
        rows = np.arange(self.n_rows)
        return self.base_value[k], self.values[rows, :, k], self.output[rows, k]

    def frame(self, class_: Any = None) -> pd.DataFrame:
        """One row per input row: a column per feature, then ``base_value`` and ``output``
        (plus ``explained_class`` for classifiers)."""
        base, values, output = self.for_class(class_)
        df = pd.DataFrame(values, columns=self.features)
        if self.task != "regression":
            df.insert(0, "explained_class", [str(self.classes[i]) for i in self.explained_classes(class_)])
        df["base_value"] = base
        df["output"] = output
        return df

    def top(self, k: int = 5, class_: Any = None) -> list[dict[str, Any]]:
        """Per row: prediction, explained class, output, base value, the ``k`` largest contributions
        by size (``{column: value}``, largest first) and ``rest``, the sum of the others, so that
        ``base_value + sum(contributions) + rest == output``.

        Example:
            >>> explain(model, df.head(1)).top(2)          # doctest: +SKIP
            [{'prediction': 'yes', 'explained_class': 'yes', 'output': 0.83, 'base_value': 0.41,
              'contributions': {'x1': 0.35, 'color': 0.09}, 'rest': -0.02}]
        """
        if not isinstance(k, int) or k < 1:
            raise ConfigError(f"'top' must be an integer >= 1, got {k!r}.")
        base, values, output = self.for_class(class_)
        order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
        if self.task == "regression":
            predictions: list[Any] = [float(v) for v in self.output]
        else:
            predictions = [self.classes[i] for i in np.argmax(self.output, axis=1)]
        explained = self.explained_classes(class_)
        out = []
        for r in range(self.n_rows):
            picked = {self.features[j]: float(values[r, j]) for j in order[r]}
            row: dict[str, Any] = {"prediction": _plain(predictions[r])}
            if self.task != "regression":
                row["explained_class"] = _plain(self.classes[explained[r]])
            row.update(
                output=float(output[r]),
                base_value=float(base[r]),
                contributions=picked,
                rest=float(values[r].sum() - sum(picked.values())),
            )
            out.append(row)
        return out

    def importance(self) -> pd.Series:
        """Mean absolute contribution per feature (positive class for binary tasks, averaged over
        classes for multiclass ones), largest first."""
        if self.task == "regression":
            mean = np.abs(self.values).mean(axis=0)
        elif self.task == "binary":
            mean = np.abs(self.values[:, :, 1]).mean(axis=0)
        else:
            mean = np.abs(self.values).mean(axis=(0, 2))
        return pd.Series(mean, index=self.features, name="mean_abs_contribution").sort_values(ascending=False)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def explain(model: AutoML | Predictor, data: Any, *, n_permutations: int = 8, seed: int = 0) -> Explanation:
    """Explain every row of ``data`` (a DataFrame, a CSV/Parquet path or a list of row dicts).

    ``n_permutations`` and ``seed`` only matter for members explained by baseline Shapley sampling
    (families without a tree or linear form, e.g. ``knn``).

    Example:
        >>> ex = explain(automl, test_df)                                 # doctest: +SKIP
        >>> np.allclose(ex.base_value + ex.values.sum(axis=1), ex.output)  # doctest: +SKIP
        True
    """
    if not isinstance(n_permutations, int) or n_permutations < 1:
        raise ConfigError(f"'n_permutations' must be an integer >= 1, got {n_permutations!r}.")
    predictor = model.predictor if isinstance(model, AutoML) else model
    schema = predictor.schema
    raw = pd.DataFrame(list(data)) if isinstance(data, list) else read_table(data)
    frame = coerce_frame(raw, schema)
    if len(frame) == 0:
        raise DataError("there are no rows to explain; give at least one row.")
    features = schema.feature_names
    matrices = {enc: p.transform(frame).X for enc, p in predictor.pipelines.items()}
    reference = _reference(predictor)
    k = len(predictor.classes) if schema.target.is_classification else 1
    values = np.zeros((len(frame), len(features), k))
    base = np.zeros(k)
    output: np.ndarray | None = None
    members, notes = [], []
    rng = np.random.default_rng(seed)
    for m in predictor.members:
        X, r = matrices[m.encoding], reference[m.encoding]
        if m.columns is not None:
            X, r = X[:, m.columns], r[:, m.columns]
        sources = predictor.pipelines[m.encoding].sources_
        if m.columns is not None:
            sources = [sources[i] for i in m.columns]
        S = _grouping(sources, features)
        actual = m.model.predict(X)
        ex = _explain_member(m, X, r, S, actual, k, n_permutations, rng)
        a, b = _to_output(ex, m, actual, k)
        values += m.weight * a
        base += m.weight * b
        p = m.weight * actual
        output = p if output is None else output + p
        members.append(ex)
        if ex.method == "baseline Shapley (sampled)":
            notes.append(
                f"member {m.name} ({m.model.family}) has no exact form: baseline Shapley values over "
                f"{n_permutations} column orders against the all-missing row."
            )
        elif ex.method == "path attribution (Saabas)":
            notes.append(f"member {m.name} ({m.model.family}): path attribution, an approximation of SHAP.")
    assert output is not None
    if k == 1:
        return Explanation(features, schema.target.task, [], base, values[:, :, 0], output, members, notes)
    return Explanation(features, schema.target.task, predictor.classes, base, values, output, members, notes)


# ---- member explainers ---------------------------------------------------------------------------
def _reference(predictor: Predictor) -> dict[str, np.ndarray]:
    """The encoded all-missing row of each encoding, dense ``(1, columns)``."""
    empty = coerce_frame(pd.DataFrame([dict.fromkeys(predictor.schema.feature_names)]), predictor.schema)
    out = {}
    for enc, pipe in predictor.pipelines.items():
        X = pipe.transform(empty).X
        out[enc] = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=float)
    return out


def _grouping(sources: list[str], features: list[str]) -> np.ndarray:
    """``(encoded columns, input columns)`` 0/1 matrix: which input column each encoded one comes from."""
    index = {f: i for i, f in enumerate(features)}
    S = np.zeros((len(sources), len(features)))
    for j, s in enumerate(sources):
        S[j, index[s]] = 1.0
    return S


def _inner_task(m: Member) -> str:
    task = getattr(m.model, "_inner_task", m.model.task)
    return str(task.task)


def _explain_member(
    m: Member,
    X: Any,
    r: np.ndarray,
    S: np.ndarray,
    actual: np.ndarray,
    k: int,
    n_permutations: int,
    rng: np.random.Generator,
) -> MemberExplanation:
    model = m.model
    n, g = X.shape[0], S.shape[1]

    def done(method: str, space: str, base: np.ndarray, values: np.ndarray) -> MemberExplanation:
        return MemberExplanation(m.name, model.family, m.weight, method, space, base, values)

    if getattr(model, "_constant", False):
        return done("constant", "output", np.asarray(actual, dtype=float).reshape(n, -1)[0], np.zeros((n, g, k)))
    contributions = getattr(model, "contributions", None)
    if callable(contributions):
        phi = np.asarray(contributions(X), dtype=float)
        if phi.ndim == 2:
            phi = phi[:, :, None]
        base = phi[:, -1, :].mean(axis=0)
        return done("TreeSHAP", "margin", base, np.einsum("nfk,fg->ngk", phi[:, :-1, :], S))
    est = getattr(model, "_est", None)
    if model.family == "linear" and est is not None:
        return done("linear (exact)", "margin", *_linear(est, X, r, S))
    if model.family in _FORESTS and est is not None and hasattr(est, "estimators_"):
        return done("path attribution (Saabas)", "output", *_forest_paths(est, X, S))
    base, values = _baseline_shapley(model.predict, X, r, S, n_permutations, rng)
    return done("baseline Shapley (sampled)", "output", base, values)


def _linear(est: Any, X: Any, r: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef = np.atleast_2d(np.asarray(est.coef_, dtype=float))
    intercept = np.atleast_1d(np.asarray(est.intercept_, dtype=float))
    values = []
    for c in coef:
        part = X.multiply(c).tocsr() @ S if hasattr(X, "multiply") else (np.asarray(X) * c) @ S
        values.append(np.asarray(part) - (r[0] * c) @ S)
    return intercept + r[0] @ coef.T, np.stack(values, axis=2)


def _forest_paths(est: Any, X: Any, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Saabas path attribution of a scikit-learn forest, in its output space (probabilities or value)."""
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float32)
    n, g = X.shape[0], S.shape[1]
    group = np.argmax(S, axis=1) if S.size else np.zeros(0, dtype=int)
    total = None
    base = None
    for tree in est.estimators_:
        t = tree.tree_
        value = np.asarray(t.value[:, 0, :], dtype=float)
        if hasattr(est, "classes_"):
            value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
        kk = value.shape[1]
        parent = np.full(t.node_count, -1)
        for side in (t.children_left, t.children_right):
            inner = side >= 0
            parent[side[inner]] = np.flatnonzero(inner)
        child = np.flatnonzero(parent >= 0)
        delta = value[child] - value[parent[child]]
        col = group[t.feature[parent[child]]]
        rows = np.repeat(child, kk)
        cols = (col[:, None] * kk + np.arange(kk)).ravel()
        D = sp.csr_matrix((delta.ravel(), (rows, cols)), shape=(t.node_count, g * kk))
        part = (tree.decision_path(X) @ D).toarray().reshape(n, g, kk)
        total = part if total is None else total + part
        base = value[0] if base is None else base + value[0]
    assert total is not None and base is not None
    count = len(est.estimators_)
    return base / count, total / count


def _baseline_shapley(
    predict: Any, X: Any, r: np.ndarray, S: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values of the game 'columns taken from the row, the others from ``r``', estimated by
    averaging marginal contributions over random column orders (exact sum for each order)."""
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=float)
    n, g = X.shape[0], S.shape[1]
    used = np.flatnonzero(S.sum(axis=0) > 0)
    base = np.asarray(predict(r), dtype=float).reshape(1, -1)[0]
    values = np.zeros((n, g, base.size))
    orders = [rng.permutation(used) for _ in range(n_permutations)]
    step = max(1, _MAX_CELLS // max(1, X.shape[1] * (len(used) + 1)))
    for start in range(0, n, step):
        block = X[start : start + step]
        for order in orders:
            stack = [np.broadcast_to(r, block.shape).copy()]
            for j in order:
                nxt = stack[-1].copy()
                cols = S[:, j] > 0
                nxt[:, cols] = block[:, cols]
                stack.append(nxt)
            pred = np.asarray(predict(np.vstack(stack)), dtype=float).reshape(len(stack), len(block), -1)
            values[start : start + step, order, :] += np.transpose(np.diff(pred, axis=0), (1, 0, 2))
    return base, values / n_permutations


# ---- margin -> output space ------------------------------------------------------------------------
def _to_output(ex: MemberExplanation, m: Member, actual: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The member's contributions ``(rows, features, k)`` and base ``(k,)`` in the predictor's
    output space, summing exactly to ``actual`` (the member's ``predict`` output)."""
    n = ex.values.shape[0]
    target = np.asarray(actual, dtype=float).reshape(n, k)
    if ex.space == "margin":
        a, b = _link(ex.values, ex.base, _inner_task(m))
    else:
        a, b = ex.values, ex.base
    if a.shape[2] != k:  # classes missing at fit: place the present ones
        present = np.asarray(m.model._present)
        full, fb = np.zeros((n, a.shape[1], k)), np.zeros(k)
        full[:, :, present], fb[present] = a, b
        a, b = full, fb
    return _settle(a, b, target), b


def _link(phi: np.ndarray, b: np.ndarray, task: str) -> tuple[np.ndarray, np.ndarray]:
    if task == "regression":
        return phi, b
    delta = phi.sum(axis=1)  # (n, outputs)
    if task == "binary":
        sb = 1.0 / (1.0 + np.exp(-b[0]))
        sm = 1.0 / (1.0 + np.exp(-(b[0] + delta[:, 0])))
        small = np.abs(delta[:, 0]) < 1e-9
        ratio = np.where(small, sb * (1.0 - sb), (sm - sb) / np.where(small, 1.0, delta[:, 0]))
        a1 = phi[:, :, 0] * ratio[:, None]
        return np.stack([-a1, a1], axis=2), np.array([1.0 - sb, sb])
    out = np.zeros_like(phi)
    for t, w in zip(_NODES, _WEIGHTS, strict=True):
        P = _softmax(b[None, :] + t * delta)  # (n, classes)
        mixed = np.einsum("ngk,nk->ng", phi, P)
        out += w * P[:, None, :] * (phi - mixed[:, :, None])
    return out, _softmax(b[None, :])[0]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _settle(a: np.ndarray, b: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Spread ``target - b - sum(a)`` over the columns in proportion to ``|a|`` (evenly where all
    are zero), so that the contributions sum to ``target`` exactly."""
    if a.shape[1] == 0:
        return a
    residual = target - b[None, :] - a.sum(axis=1)
    size = np.abs(a)
    total = size.sum(axis=1, keepdims=True)
    share = np.where(total > 0, size / np.where(total > 0, total, 1.0), 1.0 / a.shape[1])
    return np.asarray(a + share * residual[:, None, :])
