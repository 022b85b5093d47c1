"""The tracker's data association chosen from the command line: `raqib track REC -o TRACKS
--association gnn|jpda` and `raqib run REC --association ...`, end to end through contract files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raqib.cli.main import main
from raqib.tracking.tracker import Tracker


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("track") / "rec.jsonl"
    assert main(["simulate", "single-drone", "-o", str(path), "--seed", "3"]) == 0
    return path


def _track_lines(path: Path) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line.get("type") == "track"]


def _count_jpda_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the tracker's JPDA passes (one per associated batch when JPDA is chosen)."""
    calls = [0]
    jpda = Tracker._jpda

    def counting_jpda(self: Tracker, *args: object) -> object:
        calls[0] += 1
        return jpda(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Tracker, "_jpda", counting_jpda)
    return calls


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_each_association_tracks_the_drone_and_the_choice_reaches_the_tracker(
    association: str, recording: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_jpda_calls(monkeypatch)
    out = tmp_path / "tracks.jsonl"
    assert main(["track", str(recording), "-o", str(out), "--association", association]) == 0
    tracks = _track_lines(out)
    assert tracks and len({t["id"] for t in tracks}) == 1  # one drone, one track
    assert (calls[0] > 0) == (association == "jpda")
    assert main(["eval", str(recording), str(out), "--json"]) == 0


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_run_takes_the_association_too(
    association: str, recording: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _count_jpda_calls(monkeypatch)
    args = ["run", str(recording), "--scenario", "single-drone", "--json", "--association", association]
    assert main(args) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
    assert (calls[0] > 0) == (association == "jpda")


def test_an_unknown_association_is_refused(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["track", str(recording), "--association", "mht"])
    assert exited.value.code == 2
    assert "invalid choice: 'mht'" in capsys.readouterr().err
