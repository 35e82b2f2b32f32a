"""FLAML: ``AutoML().fit(X, y, task, time_budget, metric, n_jobs, seed)``, then ``predict_proba`` /
``predict``. Run by ``.venvs/flaml/bin/python``."""

from __future__ import annotations

import sys

from _runner import Job, Predictions, main


def fit_predict(job: Job) -> Predictions:
    import flaml
    from flaml import AutoML

    job.version = flaml.__version__
    automl = AutoML()
    with job.timed("fit"):
        automl.fit(
            job.x_train,
            job.y_train,
            task="classification" if job.classification else "regression",
            time_budget=job.time_limit,
            metric=job.metric,
            n_jobs=job.n_jobs,
            seed=job.seed,
            verbose=0,
            log_file_name=str(job.out_dir / "flaml.log"),
        )
    with job.timed("predict"):
        if job.classification:
            preds = Predictions.from_proba(automl.predict_proba(job.x_test), automl.classes_)
        else:
            preds = Predictions.from_values(automl.predict(job.x_test))
    job.info.update(best_estimator=automl.best_estimator, best_loss=automl.best_loss)
    return preds


if __name__ == "__main__":
    sys.exit(main("flaml", fit_predict))
