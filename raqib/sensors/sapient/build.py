"""Generate the Python protobuf modules of SAPIENT (BSI Flex 335 v2.0) from the vendored protos.

    python -m raqib.sensors.sapient.build [--force]

Runs grpcio-tools' protoc over ``proto/`` (the official Dstl files, unmodified) and writes
``generated/`` beside this file: ``generated/sapient_msg/...`` ``_pb2.py`` modules with
``.pyi`` stubs. The generated code is never committed and never edited by hand.

protoc writes imports rooted at the proto include path (``from sapient_msg import ...``); they
are rewritten to this package's absolute path so that the modules live inside raqib instead of
claiming a top-level ``sapient_msg`` package. A stamp records a hash of the protos and the
protoc version; ``messages.py`` rebuilds when the stamp no longer matches.

The output is built in a temporary folder and moved into place, so that a reader never sees
half a build and two builds at once do no harm.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.resources
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTO_ROOT = HERE / "proto"
GENERATED = HERE / "generated"
STAMP_NAME = "STAMP"
GENERATED_PACKAGE = f"{__package__ or 'raqib.sensors.sapient'}.generated"

_PROTO_IMPORT = re.compile(r"^(from|import) sapient_msg(?=[.\s])", re.MULTILINE)


class BuildError(RuntimeError):
    """protoc is missing or failed."""


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def expected_stamp() -> str:
    """What the stamp of an up-to-date build holds: the protos' hash and the protoc version."""
    digest = hashlib.sha256()
    for path in proto_files():
        digest.update(path.relative_to(PROTO_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return f"protos {digest.hexdigest()}\nprotoc {_protoc_version()}\n"


def is_current() -> bool:
    stamp = GENERATED / STAMP_NAME
    try:
        return stamp.read_text() == expected_stamp()
    except OSError:
        return False


def _protoc_version() -> str:
    try:
        from importlib.metadata import version

        return version("grpcio-tools")
    except Exception:  # grpcio-tools absent: a stamp still says which protos were built
        return "unknown"


def build(output: Path = GENERATED) -> Path:
    """Generate the modules into ``output`` (replacing what is there) and return it."""
    try:
        from grpc_tools import protoc
    except ImportError as exc:
        raise BuildError("grpcio-tools is not installed: pip install grpcio-tools") from exc

    well_known = importlib.resources.files("grpc_tools") / "_proto"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".generated-", dir=output.parent) as tmp:
        staging = Path(tmp) / "generated"
        staging.mkdir()
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={staging}",
            f"--pyi_out={staging}",
            *(str(path) for path in proto_files()),
        ]
        if protoc.main(args) != 0:
            raise BuildError(f"protoc failed on {PROTO_ROOT} (arguments: {' '.join(args[1:4])} ...)")
        _rewrite_imports(staging)
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            (folder / "__init__.py").touch()
        (staging / STAMP_NAME).write_text(expected_stamp())
        _replace(staging, output)
    return output


def _rewrite_imports(folder: Path) -> None:
    for path in [*folder.rglob("*.py"), *folder.rglob("*.pyi")]:
        text = _PROTO_IMPORT.sub(rf"\1 {GENERATED_PACKAGE}.sapient_msg", path.read_text())
        # protoc's stubs of the custom options do not type-check; raqib's own code still is.
        path.write_text("# mypy: ignore-errors\n" + text)


def _replace(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}-old-{id(staging)}")
    if output.exists():
        output.rename(old)
    try:
        staging.rename(output)
    except OSError:
        if not output.exists():  # not a concurrent build that won the race
            raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m raqib.sensors.sapient.build", description=__doc__)
    parser.add_argument("--force", action="store_true", help="rebuild even when the stamp is current")
    parser.add_argument("--output", type=Path, default=GENERATED, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.force and args.output == GENERATED and is_current():
        print(f"{GENERATED} is up to date")
        return 0
    try:
        path = build(args.output)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"generated SAPIENT protobuf modules in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
