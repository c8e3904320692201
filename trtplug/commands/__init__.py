"""The `trtplug` subcommands, one module each. Every module has `register(subparsers)`, which adds
its parser and sets `run` (args -> exit status) as the parser's `func` default; each `run` only
parses, calls trtplug's Python API (trtplug.api, trtplug.runtime) and prints."""
from __future__ import annotations

from . import bench, compile, deepstream, inspect, onnx, test, triton

COMMANDS = (compile, inspect, test, bench, deepstream, onnx, triton)
