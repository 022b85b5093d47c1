"""`raqib simulate`: a scenario to a recording file that the contract reader takes whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from raqib.cli.main import main
from raqib.model import Detection, Sensor, Site, Truth
from raqib.recorder.contract import ContractError, read_recording
from raqib.scenario import load_scenario


def test_simulate_writes_a_clean_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "drone.jsonl"
    assert main(["simulate", "single-drone", "-o", str(path), "--seed", "3"]) == 0
    errors: list[ContractError] = []
    records = list(read_recording(path, errors.append))
    assert errors == []
    assert isinstance(records[0], Site) and isinstance(records[1], Sensor)
    assert any(isinstance(r, Truth) for r in records) and any(isinstance(r, Detection) for r in records)
    assert "single-drone (seed 3)" in capsys.readouterr().err


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        path = tmp_path / f"{name}.jsonl"
        assert main(["simulate", "single-drone", "-o", str(path), "--seed", seed]) == 0
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] != outputs[2]


def test_epoch_times_and_no_truth(tmp_path: Path) -> None:
    path = tmp_path / "epoch.jsonl"
    assert main(["simulate", "single-rocket", "-o", str(path), "--epoch", "--no-truth"]) == 0
    start = load_scenario("single-rocket").start_epoch_s
    records = list(read_recording(path))
    timed = [r for r in records if isinstance(r, Detection | Truth)]
    assert timed and all(isinstance(r, Detection) for r in timed)
    assert all(start <= r.time_s <= start + 90.0 for r in timed)


def test_dash_writes_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "clutter-only", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('{"type":"site"')
    assert len(list(read_recording(io.StringIO(out)))) == out.count("\n")


def test_list_and_bad_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["simulate", "--list"]) == 0
    assert "baghdad-2022" in capsys.readouterr().out
    assert main(["simulate", "no-such-scenario", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "no-such-scenario" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
    assert main(["simulate"]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 3\n")
    assert main(["simulate", str(bad)]) == 2
    assert f"{bad}: scenario.name" in capsys.readouterr().err


def test_an_unwritable_output_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "single-drone", "-o", str(tmp_path / "missing" / "x.jsonl")]) == 1
    assert "cannot write" in capsys.readouterr().err
