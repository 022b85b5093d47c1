"""Shared fixtures. `shared_data` finds the real recordings and vectors of ../shared/data
(or $RAQIB_SHARED_DATA): a test that needs one skips where it is absent, but fails under CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("RAQIB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
TEST_OUTPUT = REPO_ROOT / "test-output"


def require_shared(relative: str) -> Path:
    """The path of a file under shared/data, or skip (fail under CI=true) when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"shared data file missing: {path} (set RAQIB_SHARED_DATA)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        require_shared("")
    return SHARED_DATA


@pytest.fixture
def test_output_dir(request: pytest.FixtureRequest) -> Path:
    """A folder under test-output/ for a test's screenshots and files, kept after the run."""
    path = TEST_OUTPUT / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path
