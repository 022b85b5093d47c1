"""A short run of the atheris fuzz target, seeded with valid blocks of every category."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz import run_fuzz_target
from tests.sensors.asterix.builders import (
    CAT021,
    CAT034,
    CAT048,
    CAT062,
    AdsbReport,
    Plot,
    SystemTrack,
    block,
    cat021_record,
    cat034_record,
    cat048_record,
    cat062_record,
)


def test_the_fuzz_target_runs_clean(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = [
        block(CAT048, [cat048_record(Plot()), cat048_record(Plot(track_number=5, height_ft=20_000.0))]),
        block(CAT062, [cat062_record(SystemTrack(address=0xABCDEF, callsign="AFR1", sigma_xy_m=(9.0, 9.0)))]),
        block(CAT062, [cat062_record(SystemTrack(lat_deg=None, lon_deg=None, x_m=1000.0, y_m=-5.0))]),
        block(CAT021, [cat021_record(AdsbReport())]),
        block(CAT034, [cat034_record(1, 5.0, period_s=4.0, nogo=1, position=(1.0, 2.0, 3.0))]),
    ]
    # The first byte picks the configuration (0: defaults, 1: old editions, 2: one radar), the
    # second how many datagrams the rest is cut into.
    for i, seed in enumerate(seeds):
        (corpus / f"seed{i}").write_bytes(bytes([i % 3, 0]) + seed)
    run_fuzz_target("asterix", corpus, runs=2000, seed=5)
