"""Server-side time of one ``POST /v1/models/{name}:predict``, without HTTP or a client.

Drives forgeml's ASGI app directly (a hand-made scope, ``receive`` and ``send``) in one event
loop, so the number is what the app itself spends per request: middleware, routing, auth,
parsing, validation, the fast path, encoding and metrics. Light enough to run on a busy machine.
The model (LightGBM, credit_g, 2 trials) is trained once and cached in ``--model-dir``.

Usage: ``.venv/bin/python benchmarks/asgi_overhead.py [--n 5000] [--model-dir /tmp/forgeml-asgi-model]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CREDIT_G = ROOT / "examples" / "credit_g.csv.gz"


def model_dir(path: Path) -> Path:
    if (path / "model.json").exists() or (path.exists() and any(path.iterdir())):
        return path
    import forgeml

    automl = forgeml.AutoML(max_trials=2, families=["lightgbm"], executor="serial", n_folds=3, seed=0)
    return automl.fit(pd.read_csv(CREDIT_G), target="default").save(path)


async def run(app: Any, body: bytes, n: int) -> tuple[np.ndarray, list[bytes]]:
    scope_base = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/models/credit:predict",
        "raw_path": b"/v1/models/credit:predict",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }
    out: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            out.append(message.get("body", b""))
        elif message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"status {message['status']}")

    times = np.empty(n)
    for i in range(n):
        t = time.perf_counter()
        await app(dict(scope_base), receive, send)
        times[i] = time.perf_counter() - t
    return times, out[-1:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--model-dir", default="/tmp/forgeml-asgi-model")
    args = ap.parse_args()

    from forgeml.predictor import load_predictor
    from forgeml.serving import create_app

    folder = model_dir(Path(args.model_dir))
    app = create_app([f"credit={folder}"], api_keys="")
    df = pd.read_csv(CREDIT_G).drop(columns=["default"]).iloc[:1]
    row = df.astype(object).where(df.notna(), None).to_dict("records")[0]
    body = json.dumps({"instances": [row]}).encode()
    fast = load_predictor(folder).compile()

    async def go() -> None:
        async with app.router.lifespan_context(app):
            await run(app, body, 500)  # warm
            times, last = await run(app, body, args.n)
            t = time.perf_counter()
            for _ in range(args.n):
                fast.predict_raw([row])
            model_us = (time.perf_counter() - t) / args.n * 1e6
            us = times * 1e6
            print(
                f"server-side POST :predict, 1 row, n={args.n}: p50 {np.percentile(us, 50):.0f} us, "
                f"p99 {np.percentile(us, 99):.0f} us, mean {us.mean():.0f} us "
                f"(of which fast.predict_raw {model_us:.0f} us); response {last[0][:80]!r}"
            )

    asyncio.run(go())


if __name__ == "__main__":
    main()
