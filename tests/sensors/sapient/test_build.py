"""Generating the protobuf modules from the vendored protos, and what happens when they are missing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from raqib.sensors.sapient import build, messages

REPO = Path(__file__).resolve().parents[3]


def test_the_vendored_protos_and_their_licences_are_there() -> None:
    names = {p.relative_to(build.PROTO_ROOT).as_posix() for p in build.proto_files()}
    assert "sapient_msg/proto_options.proto" in names
    assert "sapient_msg/bsi_flex_335_v2_0/sapient_message.proto" in names
    assert len(names) == 17
    assert "Apache License" in (build.PROTO_ROOT / "LICENSE").read_text()
    assert "Apache License" in (build.PROTO_ROOT / "sapient_msg/bsi_flex_335_v2_0/LICENCE.txt").read_text()


def test_a_build_writes_modules_that_import_from_inside_raqib(tmp_path: Path) -> None:
    output = build.build(tmp_path / "generated")
    modules = sorted(p.relative_to(output).as_posix() for p in output.rglob("*_pb2.py"))
    assert len(modules) == 17
    assert "sapient_msg/bsi_flex_335_v2_0/sapient_message_pb2.py" in modules
    assert (output / "sapient_msg" / "bsi_flex_335_v2_0" / "sapient_message_pb2.pyi").exists()
    text = (output / "sapient_msg" / "bsi_flex_335_v2_0" / "sapient_message_pb2.py").read_text()
    assert "\nfrom sapient_msg" not in text
    assert (
        "from raqib.sensors.sapient.generated.sapient_msg.bsi_flex_335_v2_0 import detection_report_pb2"
        in text
    )
    assert (output / build.STAMP_NAME).read_text() == build.expected_stamp()
    assert (output / "sapient_msg" / "__init__.py").exists()


def test_the_package_build_is_current_after_import() -> None:
    assert build.is_current()
    result = subprocess.run(
        [sys.executable, "-m", "raqib.sensors.sapient.build"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_without_grpcio_tools_a_missing_build_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(build, "GENERATED", tmp_path / "absent")
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "grpc_tools" else real_find_spec(name, *a),
    )
    with pytest.raises(ImportError, match=r"python -m raqib\.sensors\.sapient\.build"):
        messages._ensure_generated()
