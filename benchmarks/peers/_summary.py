"""The markdown summary of benchmark rows, one section per (budget, seed): per-dataset scores
(best in bold, failed runs marked), then per framework its mean rank, mean normalised score,
failures, worst budget overrun, times, peak memory and version, then the failures with their
reasons.

Mean rank and mean normalised score are taken over the datasets on which every framework of the
section has a row, so a framework that was not run everywhere is not flattered or penalised.

Example:
    print(markdown(read_rows([Path("results/peers-60s.jsonl")])))
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from _scoring import best_of, normalised, ranks
from _spec import FRAMEWORKS, GREATER_IS_BETTER

SUBJECT = "forgeml"


def overrun_allowance(time_limit: float) -> float:
    """The overrun the issue allows: 5 % of the budget + 5 s."""
    return 0.05 * time_limit + 5.0


@dataclass
class FrameworkStats:
    name: str
    ranks: list[float] = field(default_factory=list)
    normalised: list[float] = field(default_factory=list)
    runs: int = 0
    failures: list[str] = field(default_factory=list)
    worst_overrun: float | None = None
    fit_seconds: list[float] = field(default_factory=list)
    predict_seconds: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    versions: set[str] = field(default_factory=set)

    @property
    def mean_rank(self) -> float | None:
        return statistics.fmean(self.ranks) if self.ranks else None

    @property
    def mean_normalised(self) -> float | None:
        return statistics.fmean(self.normalised) if self.normalised else None


def framework_order(names: set[str]) -> list[str]:
    known = [n for n in FRAMEWORKS if n in names]
    return known + sorted(names - set(known))


def dataset_scores(rows: dict[str, dict[str, Any]]) -> tuple[dict[str, float], str, float] | None:
    """(score per framework, metric, constant score) of one dataset, or None when unscored."""
    scores = {fw: r["score"] for fw, r in rows.items() if isinstance(r.get("score"), int | float)}
    any_row = next(iter(rows.values()))
    constant = any_row.get("constant_score")
    if not scores or not isinstance(constant, int | float):
        return None
    return scores, str(any_row["metric"]), float(constant)


def compute_stats(by_dataset: dict[str, dict[str, dict[str, Any]]], frameworks: list[str]) -> dict[str, FrameworkStats]:
    """Per-framework figures over one (budget, seed) section."""
    stats = {fw: FrameworkStats(fw) for fw in frameworks}
    for dataset, rows in by_dataset.items():
        for fw, r in rows.items():
            s = stats[fw]
            s.runs += 1
            if not r.get("ok"):
                s.failures.append(f"{dataset}: {first_line(r.get('error'))}")
            if isinstance(r.get("overrun_seconds"), int | float) and fw != "constant":
                s.worst_overrun = max(s.worst_overrun or -math.inf, float(r["overrun_seconds"]))
            for key, dest in (("fit_seconds", s.fit_seconds), ("predict_seconds", s.predict_seconds)):
                if isinstance(r.get(key), int | float):
                    dest.append(float(r[key]))
            if isinstance(r.get("peak_rss_mb"), int | float):
                s.peak_mb = max(s.peak_mb or 0.0, float(r["peak_rss_mb"]))
            if r.get("version"):
                s.versions.add(str(r["version"]))
        scored = dataset_scores(rows)
        if scored is None or set(scored[0]) != set(frameworks):
            continue  # ranks and normalised scores only where every framework has a score
        scores, metric, constant = scored
        greater = GREATER_IS_BETTER[metric]
        best = best_of(list(scores.values()), greater)
        for fw, rank in ranks(scores, greater).items():
            stats[fw].ranks.append(rank)
            stats[fw].normalised.append(normalised(scores[fw], constant, best))
    return stats


def first_line(text: Any) -> str:
    lines = str(text or "unknown error").strip().splitlines()
    return (lines[0] if lines else "unknown error")[:200]


def fmt(value: Any, digits: int, sign: bool = False) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def scores_table(by_dataset: dict[str, dict[str, dict[str, Any]]], frameworks: list[str]) -> list[str]:
    lines = [
        "| dataset | task | metric | " + " | ".join(frameworks) + " |",
        "|---|---|---|" + "---:|" * len(frameworks),
    ]
    for dataset, rows in by_dataset.items():
        any_row = next(iter(rows.values()))
        metric = str(any_row["metric"])
        scored = dataset_scores(rows)
        best = best_of(list(scored[0].values()), GREATER_IS_BETTER[metric]) if scored else None
        cells = []
        for fw in frameworks:
            r = rows.get(fw)
            if r is None:
                cells.append("not run")
                continue
            cell = fmt(r.get("score"), 4)
            if best is not None and r.get("score") == best:
                cell = f"**{cell}**"
            if not r.get("ok"):
                cell += " (failed)"
            cells.append(cell)
        lines.append(f"| {dataset} | {any_row.get('task', '?')} | {metric} | " + " | ".join(cells) + " |")
    return lines


def reading_table(by_dataset: dict[str, dict[str, dict[str, Any]]], frameworks: list[str]) -> list[str]:
    """Accuracy (classification) or R2 (regression), and fit seconds / peak MB per run."""
    lines = [
        "| dataset | " + " | ".join(f"{fw} acc/R2 · fit s · peak MB" for fw in frameworks) + " |",
        "|---|" + "---:|" * len(frameworks),
    ]
    for dataset, rows in by_dataset.items():
        cells = []
        for fw in frameworks:
            r = rows.get(fw)
            if r is None:
                cells.append("-")
                continue
            reading = r.get("accuracy", r.get("r2"))
            cells.append(f"{fmt(reading, 3)} · {fmt(r.get('fit_seconds'), 1)} · {fmt(r.get('peak_rss_mb'), 0)}")
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    return lines


def frameworks_table(stats: dict[str, FrameworkStats], time_limit: float, n_complete: int) -> list[str]:
    allowed = overrun_allowance(time_limit)
    lines = [
        f"| framework | mean rank ({n_complete} datasets) | mean normalised score | failures | worst overrun s "
        f"(allowed {allowed:.0f}) | median fit s | median predict s | max peak MB | version |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for fw, s in stats.items():
        over = fmt(s.worst_overrun, 1, sign=True)
        if s.worst_overrun is not None and s.worst_overrun > allowed:
            over += " (over)"
        lines.append(
            f"| {fw} | {fmt(s.mean_rank, 2)} | {fmt(s.mean_normalised, 3)} | {len(s.failures)}/{s.runs} | {over} "
            f"| {fmt(statistics.median(s.fit_seconds) if s.fit_seconds else None, 1)} "
            f"| {fmt(statistics.median(s.predict_seconds) if s.predict_seconds else None, 2)} "
            f"| {fmt(s.peak_mb, 0)} | {', '.join(sorted(s.versions)) or '-'} |"
        )
    return lines


def verdict(stats: dict[str, FrameworkStats], time_limit: float) -> str | None:
    """One line on the issue's bar for forgeml: best mean rank and best mean normalised score of all
    frameworks that ran, no failures, worst overrun within 5 % + 5 s."""
    subject = stats.get(SUBJECT)
    others = [s for name, s in stats.items() if name != SUBJECT]
    if subject is None or subject.mean_rank is None or subject.mean_normalised is None or not others:
        return None
    best_rank = all(s.mean_rank is None or subject.mean_rank < s.mean_rank for s in others)
    best_norm = all(s.mean_normalised is None or subject.mean_normalised > s.mean_normalised for s in others)
    overrun_ok = subject.worst_overrun is not None and subject.worst_overrun <= overrun_allowance(time_limit)
    checks = {
        "best mean rank": best_rank,
        "best mean normalised score": best_norm,
        "no failures": not subject.failures,
        "worst overrun within 5% + 5 s": overrun_ok,
    }
    passed = all(checks.values())
    detail = ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items())
    return f"**{SUBJECT} {'meets' if passed else 'does not meet'} the bar** ({detail})."


def section(time_limit: float, seed: int, rows: list[dict[str, Any]]) -> list[str]:
    by_dataset: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_dataset.setdefault(str(r["dataset"]), {})[str(r["framework"])] = r
    frameworks = framework_order({str(r["framework"]) for r in rows})
    stats = compute_stats(by_dataset, frameworks)
    n_complete = max((len(s.ranks) for s in stats.values()), default=0)
    out = [f"## Budget {time_limit:g} s, seed {seed}: {len(by_dataset)} datasets, {len(frameworks)} frameworks", ""]
    out += ["### Scores (higher ROC AUC / lower log loss and RMSE is better; best in bold)", ""]
    out += [*scores_table(by_dataset, frameworks), ""]
    out += ["### Frameworks", ""]
    out += [*frameworks_table(stats, time_limit, n_complete), ""]
    line = verdict(stats, time_limit)
    if line:
        out += [line, ""]
    failures = [f"- {fw}, {f}" for fw, s in stats.items() for f in s.failures]
    out += ["### Failures (scored as the constant predictor)", "", *(failures or ["none"]), ""]
    out += ["### Accuracy / R2, fit seconds, peak MB", ""]
    out += [*reading_table(by_dataset, frameworks), ""]
    return out


def markdown(rows: list[dict[str, Any]]) -> str:
    """The whole summary: one section per (budget, seed), in budget order."""
    groups: dict[tuple[float, int], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((float(r["time_limit"]), int(r["seed"])), []).append(r)
    if not groups:
        return "no results"
    out: list[str] = []
    for (time_limit, seed), group in sorted(groups.items()):
        out += section(time_limit, seed, group)
    return "\n".join(out).rstrip() + "\n"
