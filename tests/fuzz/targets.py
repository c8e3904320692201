"""The fuzz targets: each one's sources, include folders and defines (built by build.py).

Native targets are libFuzzer programs (fuzz_<name>.cpp next to this file); `checker` is a Python
target run by atheris (fuzz_checker.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trtplug.native.assets import CORE_DIR, DEEPSTREAM_DIR, TENSORRT_DIR

HERE = Path(__file__).resolve().parent
TESTS_DIR = HERE.parent
NATIVE_TESTS_DIR = TESTS_DIR / "native"
TRT_TESTS_DIR = TESTS_DIR / "native_trt"
CORPUS_DIR = HERE / "corpus"
TENSORRT_VERSION = "10.16"  # the headers the createPlugin target is compiled against


@dataclass(frozen=True)
class Target:
    name: str
    summary: str
    sources: tuple = ()
    include_dirs: tuple = ()
    defines: tuple = ()
    needs_tensorrt: bool = False
    python: bool = False
    options: tuple = ()  # extra libFuzzer options

    @property
    def corpus(self) -> Path:
        return CORPUS_DIR / self.name


def _core() -> tuple:
    return tuple(sorted(CORE_DIR.glob("*.cpp")))


def _tensorrt_adapters() -> tuple:
    # Both creators (IPluginCreator and IPluginCreatorV3One) and the plugins they make; the library
    # files that export getCreators are left out: the target makes its creators itself.
    names = ("trtplug_trt_common.cpp", "trtplug_trt_creator.cpp", "trtplug_trt_plugin.cpp",
             "trtplug_trt_v3_creator.cpp", "trtplug_trt_v3_plugin.cpp")
    return tuple(TENSORRT_DIR / n for n in names)


TARGETS = {t.name: t for t in (
    Target("serialization", "deserialize() of the core on arbitrary blobs of three fixture plugins",
           sources=(*_core(), NATIVE_TESTS_DIR / "fixture_plugins.cpp", HERE / "fuzz_serialization.cpp"),
           include_dirs=(CORE_DIR, NATIVE_TESTS_DIR, HERE)),
    Target("expr", "eval_expr, eval_known, expr_text, expr_values and the shape checks on arbitrary programs",
           sources=(*_core(), NATIVE_TESTS_DIR / "fixture_plugins.cpp", HERE / "fuzz_expr.cpp"),
           include_dirs=(CORE_DIR, NATIVE_TESTS_DIR, HERE)),
    Target("create_plugin", "createPlugin of the IPluginV2 and IPluginV3 creators with arbitrary field collections",
           sources=(*_core(), *_tensorrt_adapters(), TRT_TESTS_DIR / "fixture_plugins.cpp",
                    HERE / "fuzz_create_plugin.cpp"),
           include_dirs=(CORE_DIR, TENSORRT_DIR, TRT_TESTS_DIR, HERE), needs_tensorrt=True),
    Target("ds_parsers", "every built-in DeepStream output parser on arbitrary layers, dims, dtypes and buffers",
           sources=(DEEPSTREAM_DIR / "trtplug_ds_parsers.cpp", HERE / "fuzz_ds_parsers.cpp"),
           include_dirs=(DEEPSTREAM_DIR, HERE), defines=("TRTPLUG_DS_VERSION=910",),
           # a refused layer is one stderr line per call; sanitizer reports still come through
           options=("-close_fd_mask=2",)),
    Target("checker", "the nvinfer config checker (trtplug deepstream check) on arbitrary config text",
           python=True),
)}
