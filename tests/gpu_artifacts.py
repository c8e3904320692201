"""Builds what the GPU tests need ahead of time, on a machine with Numba, for a GPU machine without it.

    python tests/gpu_artifacts.py OUT_DIR [--arch 90]   # then on the GPU machine:
    TRTPLUG_GPU_ARTIFACTS=OUT_DIR TRTPLUG_TRT7_ARTIFACTS=OUT_DIR/trt7 pytest -m gpu

OUT_DIR/<plugin>/ holds the C-API library of each plugin file (kernels/ and examples/), read through
$TRTPLUG_GPU_ARTIFACTS; OUT_DIR/trt7/ holds kernels/mish.py built for TensorRT 7.2 and the TensorRT 7
factory harness, read through $TRTPLUG_TRT7_ARTIFACTS (built only where TensorRT 7 headers are found).
It reads kernels/ and examples/ of the checkout, so it lives with the tests, not in the package.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The ready-made plugins, each example's plugin file (examples/<name>/<name>.py), and the plugins
# only the tests use (a cooperative launch).
PLUGIN_FILES = sorted((ROOT / "kernels").glob("*.py")) + sorted((ROOT / "kernels" / "v3").glob("*.py")) + sorted(
    p / f"{p.name}.py" for p in (ROOT / "examples").iterdir() if (p / f"{p.name}.py").is_file()) + sorted(
    (ROOT / "tests" / "plugins").glob("*.py"))

TRT7_ARTIFACTS_ENV = "TRTPLUG_TRT7_ARTIFACTS"
TRT7_SUBDIR = "trt7"
TRT7_LIBRARY = "libmish_trt7.so"
TRT7_HARNESS = "trtplug_trt7_harness"


def library_path(artifacts: Path, plugin_file: Path) -> Path:
    return Path(artifacts) / plugin_file.stem / f"lib{plugin_file.stem}_plugins.so"


def build_artifacts(out: Path, files=None, archs=None) -> list[Path]:
    """archs: the cubins to build (default: every architecture, as `trtplug compile` does); one GPU's
    architecture keeps the copy to the GPU machine small."""
    from trtplug.pipeline import CompileOptions, compile_library

    built = []
    for path in files or PLUGIN_FILES:
        result = compile_library([str(path)], CompileOptions(output_dir=Path(out) / path.stem, tensorrt=False,
                                                             archs=archs, progress=None))
        built.append(result.library)
    return built


def build_trt7_artifacts(out: Path) -> dict[str, Path]:
    """kernels/mish.py as a TensorRT 7.2 library (`trtplug compile --tensorrt-include <7.x>`) and the
    TensorRT 7 factory harness, in `out`. Raises HeadersNotFoundError without TensorRT 7 headers."""
    from trtplug.native.tensorrt_headers import find_tensorrt7_include
    from trtplug.pipeline import CompileOptions, compile_library
    from trtplug.testing.trt7_harness import build_trt7_harness

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    include = find_tensorrt7_include()
    with tempfile.TemporaryDirectory(prefix="trtplug-trt7-") as tmp:
        result = compile_library([str(ROOT / "kernels" / "mish.py")],
                                 CompileOptions(output_dir=tmp, library_name="mish_trt7", tensorrt_include=include,
                                                progress=None))
        shutil.copyfile(result.library, out / TRT7_LIBRARY)
    shutil.copyfile(build_trt7_harness(include), out / TRT7_HARNESS)
    os.chmod(out / TRT7_HARNESS, 0o755)
    return {"library": out / TRT7_LIBRARY, "harness": out / TRT7_HARNESS}


if __name__ == "__main__":
    from trtplug.errors import HeadersNotFoundError

    import argparse

    parser = argparse.ArgumentParser(description="build the GPU tests' libraries (see the module docstring)")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--arch", type=int, action="append", help="cubin architecture (repeatable; default: all)")
    args = parser.parse_args()
    out_dir = args.out_dir
    for lib in build_artifacts(out_dir, archs=args.arch):
        print(lib)
    try:
        trt7 = build_trt7_artifacts(out_dir / TRT7_SUBDIR)
    except HeadersNotFoundError as exc:
        print(f"no TensorRT 7 artifacts: {exc}", file=sys.stderr)
    else:
        for path in trt7.values():
            print(path)
