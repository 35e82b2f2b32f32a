"""Real ``forgeml serve`` processes on loopback, one tiny model trained once per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
CREDIT_G = ROOT / "examples" / "credit_g.csv.gz"
FORGEML = str(Path(sys.executable).with_name("forgeml"))
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def train(tmp: Path, name: str, seed: int = 0) -> Path:
    import forgeml

    df = pd.read_csv(CREDIT_G)
    automl = forgeml.AutoML(max_trials=2, executor="serial", families=["lightgbm", "linear"], seed=seed)
    return automl.fit(df, target="default").save(tmp / name)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(tmp_path_factory.mktemp("serving"), "credit")


@pytest.fixture(scope="session")
def rows() -> list[dict[str, object]]:
    df = pd.read_csv(CREDIT_G).drop(columns=["default"]).iloc[:20]
    return df.astype(object).where(df.notna(), None).to_dict("records")


class Server:
    """A ``forgeml serve`` subprocess; ``client`` talks to it."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        cmd = [FORGEML, "serve", "--host", HOST, "--port", str(self.port), *args]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (a file, never a pipe that could fill up)
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=self.log, stderr=self.log)
        self.client = httpx.Client(base_url=self.url, timeout=10.0)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                err = self.log.read().decode(errors="replace")
                raise RuntimeError(f"server exited with {self.proc.returncode}: {err}")
            try:
                if self.client.get("/v2/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not become ready in 90 s")

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., Server]]:
    """Start servers; every one is terminated when the test ends, pass or fail."""
    started: list[Server] = []

    def _start(args: list[str], env: dict[str, str] | None = None) -> Server:
        server = Server(args, env)
        started.append(server)
        return server

    yield _start
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def server(model_dir: Path) -> Iterator[Server]:
    """One plain server (no keys) for the endpoint tests, with a small body limit."""
    s = Server(["--models", f"credit={model_dir}", "--max-body-bytes", "200000"], {"FORGEML_API_KEYS": ""})
    yield s
    s.stop()


@dataclass
class Load:
    """What clients hammering ``:predict`` saw: ``(monotonic time, model_version)`` per answer."""

    results: list[tuple[float, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for_version(self, version: str, timeout: float = 20.0) -> None:
        """Wait (bounded) until an answer came from ``version``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(v == version for _, v in self.results):
                    return
            time.sleep(0.1)


@contextmanager
def under_load(port: int, model: str, rows: list[dict[str, object]], clients: int) -> Iterator[Load]:
    """``clients`` threads post ``rows`` to ``model``'s ``:predict`` until the block ends."""
    load, stop = Load(), threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=10.0) as c:
            while not stop.is_set():
                try:
                    r = c.post(f"/v1/models/{model}:predict", json={"instances": rows})
                    with load.lock:
                        if r.status_code == 200:
                            load.results.append((time.monotonic(), r.json()["model_version"]))
                        else:
                            load.failures.append(f"{r.status_code} {r.text}")
                except httpx.HTTPError as e:
                    with load.lock:
                        load.failures.append(repr(e))

    threads = [threading.Thread(target=hammer) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        yield load
    finally:
        stop.set()
        for t in threads:
            t.join(30)
