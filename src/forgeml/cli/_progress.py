"""A rich progress bar for training: elapsed against the budget, trials done, best score so far."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from forgeml.automl import ProgressEvent


class TrainingProgress:
    """Renders :class:`ProgressEvent` objects; a no-op when ``enabled`` is False."""

    def __init__(self, console: Console, *, time_limit: float | None, max_trials: int | None, enabled: bool) -> None:
        self.enabled = enabled
        self.time_limit = time_limit
        self.max_trials = max_trials
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=not enabled,
        )
        total = time_limit if time_limit is not None else float(max_trials or 1)
        self._task = self._progress.add_task("training", total=total, status="starting")

    def __enter__(self) -> TrainingProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.__exit__(et, ev, tb)

    def __call__(self, event: ProgressEvent) -> None:
        best = "" if event.best_score is None else f"best {event.best_model} {event.best_score:.5g}"
        status = f"{event.trials_done} trials  {best}  [dim]{event.message}[/dim]"
        done = event.elapsed if self.time_limit is not None else float(event.trials_done)
        if event.kind == "phase" and event.message == "done":
            done = self._progress.tasks[0].total or done
        self._progress.update(self._task, completed=done, status=status)
