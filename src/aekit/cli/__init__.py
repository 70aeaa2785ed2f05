"""The ``aekit`` command line: one module per subcommand, each a thin layer over the API."""

from __future__ import annotations

import argparse
import importlib
import sys

from .._version import __version__
# Imported when the parser is built, not before, so that ``torchrun -m aekit.cli.train`` runs that
# module fresh as __main__. Subcommand modules import nothing heavy at the top (torch, scikit-learn
# load inside their run functions): ``aekit --help`` must not wait for them.
SUBCOMMANDS = ["tour", "train", "encode", "reconstruct", "codes", "sample", "interpolate", "traverse", "restyle",
               "denoise", "detect", "compress", "decompress", "train-codec", "summarize", "expand", "convert", "speakers",
               "serve", "info"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aekit", description="Train, inspect and apply auto-encoders.",
        epilog="Run 'aekit COMMAND --help' for the options and examples of each command.")
    parser.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for commands that relaunch themselves
    from ..errors import AekitError
    from ..threads import using_threads

    try:
        # --threads (where a command has it; None: the default) for all of the command's torch work
        with using_threads(getattr(args, "n_threads", None)):
            return int(args.func(args) or 0)
    except (AekitError, FileNotFoundError, ValueError) as exc:
        # user errors: one clear line, no traceback
        print(f"aekit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aekit {args.command}: interrupted", file=sys.stderr)
        return 130
