"""Opens a custom library the way nvinfer does (dlopen RTLD_LAZY, in a child process) and looks
up names in it. ctypes cannot be used: it always adds RTLD_NOW, which refuses libraries nvinfer
loads fine."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Sequence

from ..errors import TrtPlugError
from .emulate import SANITIZER_ENV, build_emulator


@dataclass
class ProbeResult:
    loaded: bool
    error: str = ""
    symbols: dict = field(default_factory=dict)
    library_info: str | None = None  # trtplug_library_info() text, if exported
    deepstream_info: str | None = None  # trtplug_deepstream_info() text, if exported


def probe_library(path, names: Sequence[str], deepstream_version=None, timeout: float = 60) -> ProbeResult:
    """Raises TrtPlugError only when the probe itself cannot run (no compiler). A relative `path`
    is taken relative to the current directory (as a path, never searched for on the loader's
    library path): nvinfer, too, hands dlopen an absolute path."""
    names = [n for n in names if n]
    # Path("./libx.so") prints as "libx.so", which dlopen would look up on LD_LIBRARY_PATH.
    library = os.path.abspath(path)
    last = ""
    for sanitize in (False, True):  # a library built with AddressSanitizer loads only in a sanitized process
        exe = build_emulator(deepstream_version, sanitize=sanitize)
        env = dict(os.environ, **(SANITIZER_ENV if sanitize else {}))
        if sanitize:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        try:
            proc = subprocess.run([str(exe), "--probe", library, *names], capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return ProbeResult(False, f"loading the library did not finish within {timeout} s")
        lines = proc.stdout.strip().splitlines()
        if proc.returncode == 0 and lines:
            try:
                d = json.loads(lines[-1])
            except json.JSONDecodeError as exc:
                raise TrtPlugError(f"probe of {path} printed unreadable output: {exc}") from exc
            return ProbeResult(bool(d.get("loaded")), d.get("error", ""), d.get("symbols", {}),
                               d.get("trtplug_library_info"), d.get("trtplug_deepstream_info"))
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit status {proc.returncode}"
        if "ASan runtime does not come first" not in proc.stderr:
            break
    how = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else last
    return ProbeResult(False, f"loading the library crashed the process ({how}); nvinfer would fail the same way")
