"""AutoGluon: ``TabularPredictor(label, problem_type, eval_metric).fit(train, time_limit,
presets="medium_quality", num_cpus, num_gpus=0)``, then ``predict_proba`` / ``predict``.
Run by ``.venvs/autogluon/bin/python``. Models are written under the run's own folder."""

from __future__ import annotations

import sys

from _runner import Job, Predictions, main

PRESETS = "medium_quality"  # AutoGluon's default preset


def fit_predict(job: Job) -> Predictions:
    import autogluon.tabular
    from autogluon.tabular import TabularPredictor

    job.version = autogluon.tabular.__version__
    predictor = TabularPredictor(
        label=job.target,
        problem_type=job.task,
        eval_metric=job.metric,
        path=str(job.out_dir / "autogluon"),
        verbosity=1,
    )
    with job.timed("fit"):
        predictor.fit(job.train, time_limit=job.time_limit, presets=PRESETS, num_cpus=job.n_jobs, num_gpus=0)
    with job.timed("predict"):
        if job.classification:
            proba = predictor.predict_proba(job.x_test, as_multiclass=True)
            preds = Predictions.from_proba(proba.to_numpy(dtype=float), list(proba.columns))
        else:
            preds = Predictions.from_values(predictor.predict(job.x_test))
    job.info.update(presets=PRESETS, best_model=predictor.model_best)
    return preds


if __name__ == "__main__":
    sys.exit(main("autogluon", fit_predict))
