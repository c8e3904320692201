"""Where the native sources trtplug compiles live, in one place.

registry/ (core runtime, TensorRT adapter, DeepStream glue, harnesses) ships inside the package as
trtplug/registry; a source checkout without an install keeps it at the top of the repository.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

REGISTRY_DIR = _PACKAGE / "registry"
if not REGISTRY_DIR.is_dir():  # a source checkout
    REGISTRY_DIR = _PACKAGE.parent / "registry"

CORE_DIR = REGISTRY_DIR / "core"
TENSORRT_DIR = REGISTRY_DIR / "tensorrt"
DEEPSTREAM_DIR = REGISTRY_DIR / "deepstream"
HARNESS_DIR = REGISTRY_DIR / "harness"
TESTING_DIR = REGISTRY_DIR / "testing"  # records.h, the record format of every native test program
