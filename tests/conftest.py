"""Every test run gets its own forgeml home, so nothing is written to the user's ``~/.forgeml``
(servers started by tests monitor by default and write to the store of ``FORGEML_HOME``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_forgeml_home() -> Iterator[None]:
    home = tempfile.mkdtemp(prefix="forgeml-test-home-")
    previous = os.environ.get("FORGEML_HOME")
    os.environ["FORGEML_HOME"] = home
    yield
    if previous is None:
        os.environ.pop("FORGEML_HOME", None)
    else:
        os.environ["FORGEML_HOME"] = previous
    shutil.rmtree(home, ignore_errors=True)
