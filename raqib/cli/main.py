"""`raqib COMMAND ...`: one module per command in this package, each with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import raqib.cli
from raqib.runtime import settle_heap


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="raqib", description=raqib.__doc__)
    parser.add_argument("--version", action="version", version=f"raqib {raqib.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(raqib.cli.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = importlib.import_module(f"raqib.cli.{info.name}")
        sub = module.add_parser(commands)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settle_heap()  # every command's modules are imported by now
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
