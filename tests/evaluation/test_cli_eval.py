"""`raqib eval RECORDING TRACKS [--json]` end to end, through contract files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from raqib.cli.main import main
from tests.evaluation.helpers import recording, tracks_following, truth_enu, write_lines


def _files(tmp_path: Path) -> tuple[Path, Path]:
    rec, out = tmp_path / "rec.jsonl", tmp_path / "tracks.jsonl"
    write_lines(rec, recording())
    offset = np.array([0.0, 30.0, 40.0])
    write_lines(out, tracks_following(lambda t: {1: truth_enu("drone-a", t) + offset}))
    return rec, out


def test_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, out = _files(tmp_path)
    assert main(["eval", str(rec), str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # One target followed 50 m off, the other missed: sqrt(50^2 + 100^2 / 2).
    assert summary["mean_gospa_m"] == pytest.approx(math.sqrt(2500 + 5000), rel=1e-4)
    assert summary["localisation_error_m"] == pytest.approx(50.0, rel=1e-4)
    assert summary["mean_missed_targets"] == 1.0
    assert summary["id_switches"] == 0
    assert summary["truths_tracked"] == 1
    assert summary["evaluation_times"] == 11


def test_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, out = _files(tmp_path)
    assert main(["eval", str(rec), str(out)]) == 0
    text = capsys.readouterr().out
    assert "mean GOSPA" in text and "86.60 m" in text
    assert "track-id switches" in text


def test_bad_lines_are_reported_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, out = _files(tmp_path)
    lines = out.read_text().splitlines()
    lines.insert(3, "{not json")
    lines.insert(5, '{"type": "track", "time": 1.0}')
    out.write_text("\n".join(lines) + "\n")
    assert main(["eval", str(rec), str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["truths_tracked"] == 1
    assert "tracks.jsonl:4" in captured.err and "tracks.jsonl:6" in captured.err


def test_missing_file_and_no_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec, out = _files(tmp_path)
    assert main(["eval", str(tmp_path / "absent.jsonl"), str(out)]) == 1
    assert "absent.jsonl" in capsys.readouterr().err
    no_site = tmp_path / "no-site.jsonl"
    no_site.write_text(
        "\n".join(line for line in rec.read_text().splitlines() if '"site"' not in line) + "\n"
    )
    assert main(["eval", str(no_site), str(out)]) == 1
    assert "no site" in capsys.readouterr().err


def test_both_from_stdin_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "-", "-"]) == 2
    assert "standard input" in capsys.readouterr().err
