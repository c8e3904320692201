"""The build stage: every source of a SourceSet to an object (in parallel, reusing cached objects),
then one shared library whose exports are limited by exports.map."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .compiler import CompileJob, run_compile
from .object_cache import compile_object
from .project import EXPORTS_MAP
from .sources import SourceSet
from .toolchain import Toolchain


def build_library(output: Path, native: SourceSet, toolchain: Toolchain, *, jobs: int | None = None,
                  allow_undefined: bool) -> Path:
    """allow_undefined: a TensorRT plugin library takes getPluginRegistry from the libnvinfer already
    loaded by the process that opens it."""
    obj_dir = output.parent / "obj"
    obj_dir.mkdir(parents=True, exist_ok=True)

    def compile_one(numbered: tuple[int, Path]) -> Path:
        index, src = numbered
        obj = obj_dir / f"{index:03d}_{src.stem}.o"  # numbered: sources may share a file name
        job = CompileJob([src], obj, shared=False, include_dirs=native.include_dirs,
                         system_include_dirs=native.system_include_dirs, defines=native.defines,
                         extra_flags=["-c", f"-ffile-prefix-map={src.parent}=."], libs=(), toolchain=toolchain)
        return compile_object(job)

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        objects = list(pool.map(compile_one, enumerate(native.sources)))
    # --strip-debug: the bundled libc++ carries debug info that would quadruple the library.
    link = CompileJob(objects, output, shared=True, allow_undefined=allow_undefined, toolchain=toolchain,
                      extra_flags=[f"-Wl,--version-script={EXPORTS_MAP}", "-Wl,--strip-debug"])
    return run_compile(link)
