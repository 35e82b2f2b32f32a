"""forgeml: ``AutoML(task, metric, time_limit, seed, n_jobs).fit(train, target)``, then
``predict_proba`` / ``predict`` on the test features. Run by the repo's venv python."""

from __future__ import annotations

import contextlib
import sys

from _runner import Job, Predictions, main


def fit_predict(job: Job) -> Predictions:
    import forgeml
    from forgeml import AutoML

    job.version = forgeml.__version__
    automl = AutoML(task=job.task, metric=job.metric, time_limit=job.time_limit, seed=job.seed, n_jobs=job.n_jobs)
    with job.timed("fit"):
        automl.fit(job.train, target=job.target)
    with job.timed("predict"):
        if job.classification:
            proba = automl.predict_proba(job.x_test)
            preds = Predictions.from_proba(proba.to_numpy(dtype=float), list(proba.columns))
        else:
            preds = Predictions.from_values(automl.predict(job.x_test))
    info = automl.predictor.info
    job.info.update(cv_score=info.get("cv_score"), trials=info.get("trials"))
    with contextlib.suppress(Exception):
        board = automl.leaderboard()
        job.info["leaderboard_rows"] = len(board)
        job.info["leaderboard_head"] = board.head(10).to_dict(orient="records")
    return preds


if __name__ == "__main__":
    sys.exit(main("forgeml", fit_predict))
