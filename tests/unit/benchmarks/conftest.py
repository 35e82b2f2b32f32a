"""The peers harness lives in benchmarks/peers as scripts and private modules, not in the package:
put its folders on sys.path for these tests."""

from __future__ import annotations

import sys
from pathlib import Path

PEERS = Path(__file__).resolve().parents[3] / "benchmarks" / "peers"
for folder in (PEERS, PEERS / "runners"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
