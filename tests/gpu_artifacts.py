"""Builds what the GPU tests need ahead of time, on a machine with Numba, for a GPU machine without it.

    python tests/gpu_artifacts.py OUT_DIR      # then on the GPU machine:
    TRTPLUG_GPU_ARTIFACTS=OUT_DIR pytest -m gpu

It reads kernels/ and examples/ of the checkout, so it lives with the tests, not in the package.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The ready-made plugins, each example's plugin file (examples/<name>/<name>.py), and the plugins
# only the tests use (a cooperative launch).
PLUGIN_FILES = sorted((ROOT / "kernels").glob("*.py")) + sorted(
    p / f"{p.name}.py" for p in (ROOT / "examples").iterdir() if (p / f"{p.name}.py").is_file()) + sorted(
    (ROOT / "tests" / "plugins").glob("*.py"))


def library_path(artifacts: Path, plugin_file: Path) -> Path:
    return Path(artifacts) / plugin_file.stem / f"lib{plugin_file.stem}_plugins.so"


def build_artifacts(out: Path, files=None) -> list[Path]:
    from trtplug.pipeline import CompileOptions, compile_library

    built = []
    for path in files or PLUGIN_FILES:
        result = compile_library([str(path)], CompileOptions(output_dir=Path(out) / path.stem, tensorrt=False,
                                                             progress=None))
        built.append(result.library)
    return built


if __name__ == "__main__":
    for lib in build_artifacts(Path(sys.argv[1])):
        print(lib)
