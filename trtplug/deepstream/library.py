"""Builds a library holding only DeepStream parsers (no TensorRT plugins), e.g. for a model
whose layers TensorRT supports natively::

    lib = build_parser_library([YoloDetector("NvDsInferParseYolo")], output="build/libparsers.so")

With output=None the library is cached by content in the trtplug cache directory.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from ..errors import BuildError
from ..native.assets import CORE_DIR
from ..native.compiler import CompileJob, run_compile
from ..native.project import EXPORTS_MAP
from .emulate import cache_dir, sanitizer_flags
from .render import render_deepstream_sources

UTIL_HEADER = CORE_DIR / "trtplug_util.h"  # included by the DeepStream sources too
UNLOAD_CPP = CORE_DIR / "unload.cpp"       # static destructors run at dlclose, whatever the toolchain


def build_parser_library(parsers: Sequence, *, output: Path | None = None, deepstream_version=None,
                         sanitize: bool = False, deepstream_include: Path | None = None,
                         extra_include_dirs: Sequence[Path] = (), name: str = "trtplug_parsers",
                         toolchain=None) -> Path:
    """Renders and compiles the parsers into one shared library and returns its path.
    sanitize=True builds with AddressSanitizer and UBSan (load it with the sanitized emulator).
    toolchain: a native.toolchain.Toolchain (default: this machine's compiler, like the emulator's)."""
    if sanitize and toolchain is not None and toolchain.name != "system":
        raise BuildError("sanitize=True needs the system toolchain (the bundled one has no sanitizer runtimes)")
    with tempfile.TemporaryDirectory(prefix="trtplug-ds-") as tmp:
        srcs = render_deepstream_sources(parsers, deepstream_version=deepstream_version, out_dir=Path(tmp),
                                         deepstream_include=deepstream_include,
                                         check_custom_impl=bool(extra_include_dirs) and deepstream_include is not None)
        srcs.sources.append(UNLOAD_CPP)
        include_dirs = [*srcs.include_dirs, *extra_include_dirs]
        flags = [*sanitizer_flags(sanitize), f"-Wl,--version-script={EXPORTS_MAP}"]
        if output is None:
            h = hashlib.sha256()
            for f in srcs.sources + sorted((srcs.include_dirs[0]).glob("*.h")) + [UTIL_HEADER, EXPORTS_MAP]:
                h.update(str(f.name).encode() + Path(f).read_bytes())
            h.update(repr((sorted(srcs.defines.items()), flags, [str(d) for d in include_dirs])).encode())
            h.update((toolchain.identity() if toolchain else "system").encode())
            out_dir = cache_dir() / "deepstream-lib" / h.hexdigest()[:16]
            output = out_dir / f"lib{name}.so"
            if output.is_file():
                return output
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = Path(tmp) / output.name
        job = CompileJob(sources=srcs.sources, output=tmp_out, include_dirs=include_dirs, defines=srcs.defines,
                         extra_flags=flags, optimize="-O1" if sanitize else "-O2", toolchain=toolchain)
        run_compile(job)
        partial = output.with_name(f".{output.name}.{os.getpid()}")
        shutil.copyfile(tmp_out, partial)
        os.replace(partial, output)
    return output
