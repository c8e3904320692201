"""Helpers the DeepStream entry-point tests share."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def call_library_in_child(library: Path, calls: str) -> subprocess.CompletedProcess:
    """Runs the Python `calls` in a child process where `lib` is `library` loaded with ctypes, the way
    nvinfer loads it: what the library writes to stderr is captured, and a crash fails only this test.
    Asserts the child exited 0."""
    code = f"import ctypes\nlib = ctypes.CDLL({str(library)!r}, mode=ctypes.RTLD_LOCAL)\n{calls}"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc
