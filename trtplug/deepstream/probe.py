"""Opens a custom library the way nvinfer does (dlopen RTLD_LAZY, in a child process) and looks
up names in it. ctypes cannot be used: it always adds RTLD_NOW, which refuses libraries nvinfer
loads fine."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from typing import Sequence

from ..errors import TrtPlugError
from ..native.records import record
from .emulate import SANITIZER_ENV, build_emulator
from .emulator_records import plan_header, run_emulator


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
    # Path("./libx.so") prints as "libx.so", which dlopen would look up on LD_LIBRARY_PATH.
    library = os.path.abspath(path)
    plan = [plan_header("probe", library), *(record("symbol", name=n) for n in names if n)]
    for sanitize in (False, True):  # a library built with AddressSanitizer loads only in a sanitized process
        exe = build_emulator(deepstream_version, sanitize=sanitize)
        env = dict(os.environ, **(SANITIZER_ENV if sanitize else {}))
        if sanitize:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        try:
            run = run_emulator(exe, plan, {}, case=library, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return ProbeResult(False, f"loading the library did not finish within {timeout} s")
        if run.records.problem:  # a plan or result the other side could not read: not the library's doing
            raise TrtPlugError(f"probe of {path}: {run.records.problem}")
        if run.returncode == 0 and run.records.ended:
            failed = run.failed_step()
            return ProbeResult(failed is None, failed[1] if failed else "", run.symbols,
                               run.infos.get("trtplug_library_info"), run.infos.get("trtplug_deepstream_info"))
        if "ASan runtime does not come first" not in run.stderr:
            break
    last = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit status {run.returncode}"
    how = f"killed by signal {-run.returncode}" if run.returncode < 0 else last
    return ProbeResult(False, f"loading the library crashed the process ({how}); nvinfer would fail the same way")
