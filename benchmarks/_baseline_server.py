"""The plain comparison server for ``serving.py``: a FastAPI endpoint calling a scikit-learn pipeline
(ordinal-encoded categoricals + LightGBM's ``LGBMClassifier``) through pandas, the way such models
are commonly served (uvicorn, one worker, access log off). Run:
``python _baseline_server.py MODEL.skops PORT``."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import skops.io as sio
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class Request(BaseModel):
    instances: list[dict[str, Any]]


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])
    pipe = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    app = FastAPI()

    @app.get("/ready")
    def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/predict")
    def predict(body: Request) -> dict[str, Any]:
        frame = pd.DataFrame.from_records(body.instances)
        return {"predictions": pipe.predict(frame).tolist()}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
