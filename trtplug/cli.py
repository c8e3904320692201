"""The `trtplug` command line: builds the parser from the command modules (trtplug.commands) and
runs the chosen one. User mistakes end as one line `trtplug CMD: error: ...` and exit status 1."""
from __future__ import annotations

import argparse
import os
import sys
import warnings

from .commands import COMMANDS
from .errors import TrtPlugError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trtplug", description="TensorRT plugins from Python classes with Numba kernels.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _one_line_warning
    try:
        status = args.func(args)
        sys.stdout.flush()
        return status
    except TrtPlugError as exc:
        return _error(args.command, str(exc))
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return _stdout_closed()
        return _error(args.command, _os_error_text(exc))
    except KeyboardInterrupt:
        return 130


_warned: set[str] = set()


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings reach a command-line user as one line each, once, without Python's source excerpt."""
    text = str(message)
    if text not in _warned:
        _warned.add(text)
        print(f"trtplug: warning: {text}", file=sys.stderr)


def _error(command: str, message: str) -> int:
    print(f"trtplug {command}: error: {message}", file=sys.stderr)
    return 1


def _os_error_text(exc: OSError) -> str:
    """"build/x: Not a directory" rather than a traceback."""
    what = exc.strerror or str(exc)
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(map(str, names))}: {what}" if names else what


def _stdout_closed() -> int:
    """The reader of our output went away (`trtplug inspect LIB | head`): stop quietly. Point stdout
    at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 1


if __name__ == "__main__":
    sys.exit(main())
