"""Running the lifecycle harness: build it for a set of TensorRT headers, check a library's TensorRT
version, run a plan (plan.py) and read what it did (results.py).

The harness (``registry/harness/``) is a small host program compiled against real TensorRT
headers. It stands in for libnvinfer (plugin registry, expression builder, logger), loads a built
plugin library and drives every plugin the way TensorRT does: creator lookup -> createPlugin ->
clone -> output dimensions -> format combinations -> configure -> workspace -> enqueue (GPU only)
-> serialize -> deserializePlugin -> compare -> destroy. Nothing here imports Numba.

Example::

    from trtplug.native.tensorrt_headers import find_tensorrt_include
    write_plan("build/plan", [case])                                   # plan.py
    results = run_plan("build/libmish_plugins.so", "build/plan", find_tensorrt_include())
    print(format_table(results))                                       # results.py
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Mapping

from ..errors import LoadError, TrtPlugError
from ..native.assets import HARNESS_DIR, TENSORRT_DIR, TESTING_DIR
from .plan import DEFAULT_LIBRARY_ID, PLAN_FORMAT, read_plan, set_plan_libraries
from .results import RESULT_FILE, HarnessReport, compare_outputs, parse_results

VERSION_MARKER = b"TRTPLUG_TENSORRT_VERSION="


def _cache_root() -> Path:
    return Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug"))


def harness_sources() -> list[Path]:
    return sorted(HARNESS_DIR.glob("*.cpp"))


def build_harness(tensorrt_headers, *, toolchain=None, cuda_include: Path | None = None,
                  cache_dir: Path | None = None) -> Path:
    """Compiles the harness against `tensorrt_headers` (a TensorRTHeaders) with `toolchain` (default:
    the bundled one, for this machine); cached by content.

    The binary carries its C++ library and reaches the GPU through libcuda.so.1 at run time, so it can
    be copied to a GPU machine that has neither a compiler nor a CUDA toolkit; built by the bundled
    toolchain it needs only glibc 2.17.
    """
    from ..native.compiler import CompileJob, run_compile
    from ..native.tensorrt_headers import find_cuda_include
    from ..native.toolchain import choose_toolchain

    toolchain = toolchain or choose_toolchain()
    cuda = Path(cuda_include) if cuda_include else find_cuda_include()
    headers_dir = Path(tensorrt_headers.include_dir)
    digest = hashlib.sha256()
    for path in sorted(HARNESS_DIR.iterdir()) + sorted(TENSORRT_DIR.glob("*.h")) + [TESTING_DIR / "records.h"]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted(headers_dir.glob("NvInfer*.h")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"{toolchain.identity()}|{cuda}|{PLAN_FORMAT}".encode())
    out_dir = Path(cache_dir) if cache_dir else _cache_root() / "harness"
    binary = out_dir / f"trtplug_harness-{toolchain.platform.arch}-trt{tensorrt_headers.major}-{digest.hexdigest()[:16]}"
    if binary.is_file():
        return binary
    exports = HARNESS_DIR / "harness_exports.map"
    tmp = binary.with_name(binary.name + f".tmp{os.getpid()}")
    static_runtime = ["-static-libstdc++", "-static-libgcc"] if toolchain.name == "system" else []
    job = CompileJob(harness_sources(), tmp, shared=False, include_dirs=[TENSORRT_DIR, HARNESS_DIR],
                     system_include_dirs=[headers_dir, cuda], optimize="-O1", toolchain=toolchain,
                     extra_flags=["-rdynamic", f"-Wl,--version-script={exports}", "-Wl,--strip-debug",
                                  *static_runtime])
    run_compile(job)
    os.replace(tmp, binary)
    return binary


def program_runner(program: str | Path) -> list[str]:
    """What runs `program` here: nothing for one of this machine, qemu's user-mode emulator for another
    (an aarch64 harness on an x86_64 machine runs the CPU steps; the GPU steps need a Jetson)."""
    from ..native.elf_facts import read_elf_machine
    from ..native.toolchain import MACHINES, host_arch

    machine = read_elf_machine(program)
    if machine == host_arch():
        return []
    known = MACHINES.get(machine)
    if known is None or not shutil.which(known.qemu):
        raise TrtPlugError(f"{program} is a program for {machine} machines and this one is {host_arch()}: run it on "
                           f"{machine}" + (f", or install qemu-user ({known.qemu})" if known else ""))
    sysroot = known.qemu_sysroot
    if sysroot and not Path(sysroot, "lib").is_dir():
        raise TrtPlugError(f"{program} is a program for {machine} machines: {known.qemu} needs that machine's C library "
                           f"in {sysroot} (Debian/Ubuntu: apt-get install libc6-{'arm64' if machine == 'aarch64' else machine}-cross)")
    return [shutil.which(known.qemu), "-L", sysroot] if sysroot else [shutil.which(known.qemu)]


def library_tensorrt_version(library: str | Path) -> tuple[int, int, int] | None:
    """The TensorRT version a trtplug library was built against, read from the file without loading
    it; None for a library built without the TensorRT adapter (or not by trtplug)."""
    data = Path(library).read_bytes()
    at = data.find(VERSION_MARKER)
    while at >= 0:
        tail = data[at + len(VERSION_MARKER): at + len(VERSION_MARKER) + 16].split(b"\0", 1)[0]
        parts = tail.decode("ascii", "replace").split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return tuple(int(p) for p in parts)  # type: ignore[return-value]
        at = data.find(VERSION_MARKER, at + 1)
    return None


def check_library_for(library: str | Path, tensorrt_headers) -> tuple[int, int, int]:
    """Raises LoadError unless `library` was built for the TensorRT major of `tensorrt_headers`."""
    version = library_tensorrt_version(library)
    if version is None:
        raise LoadError(f"{library}: not a trtplug TensorRT plugin library (it records no TensorRT version; "
                        "was it built with --no-tensorrt?)")
    if version[0] != tensorrt_headers.major:
        raise LoadError(f"{library} was built for TensorRT {'.'.join(map(str, version))}, but the harness uses "
                        f"TensorRT {tensorrt_headers.version} headers: build the library against TensorRT "
                        f"{tensorrt_headers.major} headers (trtplug compile --tensorrt-include DIR)")
    return version


def run_plan(library: str | Path | Mapping[str, str | Path] | None, plan_dir: str | Path, tensorrt_headers=None, *,
             harness: str | Path | None = None, mode: str | None = None, load: str | None = None,
             timeout: float = 600.0) -> HarnessReport:
    """Runs the plan in `plan_dir` (written by write_plan) and returns one CaseResult per case.

    library: the library for the plan's cases (a path), or {library id: path}, or None for the
        paths recorded in the plan.
    tensorrt_headers: the TensorRTHeaders to build the harness with (unless `harness`, a prebuilt
        binary, is given).
    Failures of plugins are results, not exceptions; a library built for another TensorRT major is
    reported by the harness for the cases that use it. Raises TrtPlugError only when the harness
    cannot be started.
    """
    plan_dir = Path(plan_dir)
    plan = read_plan(plan_dir)
    if library is None:
        libraries = {k: Path(v) for k, v in plan["libraries"].items() if v}
    elif isinstance(library, Mapping):
        libraries = {k: Path(v) for k, v in library.items()}
    else:
        libraries = {DEFAULT_LIBRARY_ID: Path(library)}
    missing = sorted({c["library"] for c in plan["cases"]} - set(libraries))
    if missing:
        raise TrtPlugError(f"the plan's cases use library id(s) {', '.join(missing)}, but no path was given for them")
    for lib_id, path in libraries.items():
        if not path.is_file():
            raise LoadError(f"library {lib_id}: {path} does not exist")
    if harness is None:
        if tensorrt_headers is None:
            raise TrtPlugError("run_plan needs either TensorRT headers to build the harness or a prebuilt harness")
        harness = build_harness(tensorrt_headers)
    plan_file = set_plan_libraries(plan_dir, {k: p.resolve() for k, p in libraries.items()}, mode=mode, load=load)
    result_file = plan_dir / RESULT_FILE
    result_file.unlink(missing_ok=True)
    runner = program_runner(harness)
    try:
        proc = subprocess.run([*runner, str(harness), str(plan_file), str(result_file)],
                              capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode = None
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    except OSError as exc:
        raise TrtPlugError(f"cannot run the harness {harness}: {exc}") from exc
    text = result_file.read_text(encoding="utf-8", errors="replace") if result_file.is_file() else ""
    report = parse_results(text, plan, returncode, stderr, timeout)
    if runner:
        report.device += f" [emulated: {Path(runner[0]).name}]"
    compare_outputs(report, plan, plan_dir)
    return report


__all__ = ["HARNESS_DIR", "TENSORRT_DIR", "build_harness", "check_library_for", "harness_sources",
           "library_tensorrt_version", "run_plan"]
