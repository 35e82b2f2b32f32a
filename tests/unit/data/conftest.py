from __future__ import annotations

from pathlib import Path

import pytest

DATASETS = Path(__file__).parents[3].parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The shared real datasets; tests that need them skip only when the folder is absent."""
    if not DATASETS.is_dir():
        pytest.skip(f"shared datasets not found at {DATASETS}")
    return DATASETS
