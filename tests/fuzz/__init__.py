"""Fuzz targets (atheris), one per parser; `make test` gives each a short run through
``run_fuzz_target``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_fuzz_target(name: str, corpus: Path, *, runs: int, seed: int) -> None:
    """Run tests/fuzz/fuzz_NAME.py over a seed corpus for ``runs`` inputs; any crash fails.
    Crash inputs land beside the corpus, never in the repository."""
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "fuzz" / f"fuzz_{name}.py"),
            f"-runs={runs}",
            f"-seed={seed}",
            f"-artifact_prefix={corpus.parent}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-2000:]
