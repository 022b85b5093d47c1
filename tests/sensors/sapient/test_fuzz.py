"""A short run of the atheris fuzz target, seeded with valid SAPIENT streams."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz import run_fuzz_target
from tests.sensors.sapient import builders
from tests.sensors.sapient.builders import frame


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = [
        frame(builders.registration()) + frame(builders.status()) + frame(builders.detection()),
        frame(builders.range_bearing_detection()),
        b"\xff\xff\xff\xff" + frame(builders.detection(lat_deg=95.0)),
    ]
    for i, seed in enumerate(seeds):
        (corpus / f"seed{i}").write_bytes(b"\x10" + seed)  # the first byte picks where the stream is cut
    run_fuzz_target("sapient", corpus, runs=5000, seed=7)
