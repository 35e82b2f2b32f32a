"""The constant predictor: class priors of the training part (classification) or its mean
(regression). The AMLB reference point: a failed run of any framework is scored like this."""

from __future__ import annotations

import sys

import numpy as np
from _runner import Job, Predictions, main


def fit_predict(job: Job) -> Predictions:
    with job.timed("fit"):
        y = job.y_train
        if job.classification:
            freq = y.astype(str).value_counts(normalize=True).sort_index()
            classes, priors = list(freq.index), freq.to_numpy(dtype=float)
        else:
            mean = float(y.astype(float).mean())
    with job.timed("predict"):
        n = len(job.x_test)
        if job.classification:
            return Predictions.from_proba(np.tile(priors, (n, 1)), classes)
        return Predictions.from_values(np.full(n, mean))


if __name__ == "__main__":
    sys.exit(main("constant", fit_predict))
