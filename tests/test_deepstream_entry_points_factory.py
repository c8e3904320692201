"""NvDsInferPluginFactoryRuntimeGet/Destroy: the TensorRT 7.2 IPluginFactory driven by the
TensorRT 7 factory harness (CPU lifecycle here, enqueue on a GPU), and the TensorRT >= 8 entry points
that succeed with no factory.
"""
from __future__ import annotations

import ctypes
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from trtplug.native.assets import CORE_DIR, trt7_adapter_sources
from trtplug.native.compiler import CompileJob, run_compile
from trtplug.native.project import EXPORTS_MAP
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes, find_tensorrt7_include
from trtplug.errors import HeadersNotFoundError
from trtplug.serialization import AttrType, encode
from trtplug.testing.trt7_harness import Trt7Case, build_trt7_harness, format_trt7_report, run_trt7_cases

from ds_helpers import call_library_in_child

pytestmark = pytest.mark.trt_headers

ROOT = Path(__file__).resolve().parents[1]
DS_DIR = CORE_DIR.parent / "deepstream"  # the installed registry, like every other native source here
FACTORY_CPP = DS_DIR / "trtplug_ds_factory.cpp"
FIXTURE = ROOT / "tests" / "native_trt" / "fixture_plugins.cpp"  # TpScale v1, TpPair v2 (no kernels)


def trt7_include() -> Path:
    try:
        return find_tensorrt7_include()
    except HeadersNotFoundError as exc:
        pytest.skip(str(exc))


def build_trt7_library(sources, output: Path, *, sanitize: bool = False) -> Path:
    """Core runtime + plugin descriptors + the TensorRT 7 adapter and its factory, against TensorRT 7.2 headers only."""
    flags = ["-Werror", f"-Wl,--version-script={EXPORTS_MAP}"]
    if sanitize:
        flags += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]
    trt7 = trt7_adapter_sources()
    job = CompileJob([*sorted(CORE_DIR.glob("*.cpp")), *sources, *trt7.sources, FACTORY_CPP], output,
                     include_dirs=[*trt7.include_dirs, DS_DIR],
                     system_include_dirs=[trt7_include()], extra_flags=flags, optimize="-O1")
    return run_compile(job)


@pytest.fixture(scope="module")
def trt7(tmp_path_factory):
    work = tmp_path_factory.mktemp("trt7")
    library = build_trt7_library([FIXTURE], work / "libfixture_trt7.so")
    return library, build_trt7_harness(trt7_include(), cache_dir=work / "harness")


def scale_blob(alpha=0.5, count=2, tag="tp"):
    return encode("TpScale", "1", [("alpha", AttrType.FLOAT, [alpha]), ("count", AttrType.INT, [count]),
                                   ("tag", AttrType.STRING, tag)])


def pair_blob():
    return encode("TpPair", "2", [("count", AttrType.INT, [1]), ("block", AttrType.INT, [4]),
                                  ("weights", AttrType.FLOAT_LIST, [0.5, 0.25])])


def test_trt7_factory_lifecycle_on_cpu(trt7, tmp_path):
    library, harness = trt7
    x = np.linspace(-1, 1, 2 * 3 * 5).reshape(2, 3, 5).astype(np.float32)
    cases = [
        Trt7Case("scale_f32", "scale_layer", scale_blob(), inputs=[x], outputs=[(3, 5)], max_batch=4),
        Trt7Case("scale_f16", "scale_layer_16", scale_blob(count=3), inputs=[x.astype(np.float16)],
                 outputs=[(3, 5)], dtype="float16"),
    ]
    report = run_trt7_cases(library, cases, tmp_path, harness=harness, mode="cpu")
    assert report.passed, format_trt7_report(report)
    assert report.tensorrt == "7.2.1" and not report.gpu
    assert report.entry == (True, "Get returned a factory")
    assert "foreign pointer was left alone" in report.destroy[1]
    r = report.case("scale_f32")
    assert [s.name for s in r.steps] == ["create", "output-dims", "formats", "configure", "workspace", "enqueue",
                                         "serialize", "recreate", "enqueue-restored", "terminate"]
    assert r.step("output-dims").message == "(3, 5)"
    # TpScale's workspace: numel(x) float32 values at the max batch (4 x 3 x 5), rounded by the core.
    assert int(r.step("workspace").message.split()[0]) >= 4 * 4 * 3 * 5
    assert r.step("enqueue").status == "skip"
    assert r.step("recreate").message.startswith("same ")


def test_trt7_factory_rejects_bad_blobs_with_a_log_line(trt7, tmp_path):
    library, harness = trt7
    x = np.ones((1, 4), np.float32)
    unknown = encode("NotHere", "3", [])
    corrupt = bytearray(scale_blob())
    corrupt[-1] ^= 0x55  # CRC no longer matches
    cases = [
        Trt7Case("unknown", "head", unknown, inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="layer 'head': the engine holds plugin 'NotHere' version '3', which this library "
                                "does not contain (it has: TpScale v1, TpPair v2)"),
        Trt7Case("foreign", "other", b"\x01\x02\x03\x04" * 8, inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="not a trtplug plugin's (no 'TPLG' header)"),
        Trt7Case("short", "tiny", b"TPLG", inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="too short"),
        Trt7Case("corrupt", "crc", bytes(corrupt), inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="CRC"),
        Trt7Case("bad_trailer", "trail", scale_blob() + b"junk", inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="not a trtplug layer configuration"),
        # A configured trailer ("TPLX", v1, configured, float32, max batch 1, 1 input) cut before the
        # input's dims, then cut inside them (rank 2, one dim of two).
        Trt7Case("cut_trailer", "cut", scale_blob() + struct.pack("<IHHiii", 0x584C5054, 1, 1, 0, 1, 1),
                 inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="layer 'cut': layer configuration truncated: 20 bytes, the dims of input 0 of 1 "
                                "are missing"),
        Trt7Case("cut_dims", "cut2", scale_blob() + struct.pack("<IHHiiiii", 0x584C5054, 1, 1, 0, 1, 1, 2, 4),
                 inputs=[x], outputs=[(4,)], expect="create-fail",
                 expect_message="layer configuration truncated: 28 bytes, input 0 of rank 2 needs 4 more"),
        # TpPair has an int32 output: no single data type covers every tensor, as IPluginExt needs.
        Trt7Case("mixed_types", "pair", pair_blob(), inputs=[np.ones((1, 4), np.float32)] * 2,
                 outputs=[(8,), ()], expect="types-rejected",
                 expect_message="no dtype combination of this plugin has every tensor in float32"),
        # z = [cdiv(numel(a), 4)]: for a of 5 values per sample its first dimension is not the batch.
        Trt7Case("not_batched", "pair5", pair_blob(), inputs=[np.ones((1, 5), np.float32)] * 2,
                 outputs=[(10,), ()], expect="dims-rejected",
                 expect_message="output 'z' has shape (2,) for a batch of 1: its first dimension is not the batch"),
    ]
    report = run_trt7_cases(library, cases, tmp_path, harness=harness, mode="cpu")
    assert report.passed, format_trt7_report(report)
    assert any("TPLG" in line for line in report.case("foreign").step("create").logs)


def test_trt7_factory_under_sanitizers_frees_every_plugin(tmp_path):
    """Destroy releases the factory and every plugin it made: LeakSanitizer would report otherwise."""
    library = build_trt7_library([FIXTURE], tmp_path / "libfixture_trt7_asan.so", sanitize=True)
    driver = tmp_path / "driver.cpp"
    driver.write_text(DRIVER_CPP)
    exe = run_compile(CompileJob([driver], tmp_path / "driver", shared=False, system_include_dirs=[trt7_include()],
                                 extra_flags=["-fsanitize=address,undefined", "-g"], optimize="-O1"))
    blob = scale_blob()
    (tmp_path / "blob.bin").write_bytes(blob)
    proc = subprocess.run([str(exe), str(library), str(tmp_path / "blob.bin")], capture_output=True, text=True,
                          env={"ASAN_OPTIONS": "detect_leaks=1:exitcode=86", "UBSAN_OPTIONS": "halt_on_error=1",
                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["created", "3", "null", "destroyed"]


# A minimal stand-in for nvinfer's use of the factory: Get, three createPlugin calls (one bad), Destroy.
DRIVER_CPP = r"""
#include <NvInferRuntime.h>
#include <dlfcn.h>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>
int main(int, char** argv) {
    void* h = dlopen(argv[1], RTLD_LAZY);
    if (!h) { std::printf("dlopen %s\n", dlerror()); return 1; }
    auto get = reinterpret_cast<bool (*)(nvinfer1::IPluginFactory*&)>(dlsym(h, "NvDsInferPluginFactoryRuntimeGet"));
    auto destroy = reinterpret_cast<void (*)(nvinfer1::IPluginFactory*)>(dlsym(h, "NvDsInferPluginFactoryRuntimeDestroy"));
    std::ifstream f(argv[2], std::ios::binary);
    std::vector<char> blob((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    nvinfer1::IPluginFactory* factory = nullptr;
    if (!get(factory) || !factory) return 2;
    int made = 0;
    for (int i = 0; i < 3; ++i) made += factory->createPlugin("layer", blob.data(), blob.size()) != nullptr;
    std::printf("created %d\n", made);
    std::printf("%s\n", factory->createPlugin("bad", blob.data(), 3) ? "non-null" : "null");
    destroy(factory);
    std::printf("destroyed\n");
    dlclose(h);
    return 0;
}
"""


@pytest.mark.parametrize("major", (8, 10, 11))
def test_tensorrt8_plus_entry_points_succeed_without_a_factory(major, tmp_path):
    found = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not found:
        pytest.skip(f"no TensorRT {major}.x headers found")
    library = run_compile(CompileJob([FACTORY_CPP], tmp_path / f"libfactory{major}.so", include_dirs=[DS_DIR],
                                     system_include_dirs=[found[0].include_dir], extra_flags=["-Werror"]))
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True)
    exported = {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}
    assert {"NvDsInferPluginFactoryRuntimeGet", "NvDsInferPluginFactoryRuntimeDestroy"} <= exported
    # Called in a child process: the library's warning goes to its stderr.
    proc = call_library_in_child(library, (
        "get = lib.NvDsInferPluginFactoryRuntimeGet; get.restype = ctypes.c_bool\n"
        "get.argtypes = [ctypes.POINTER(ctypes.c_void_p)]\n"
        "p = ctypes.c_void_p(0x1234)\n"
        "ok = get(ctypes.byref(p))\n"
        "lib.NvDsInferPluginFactoryRuntimeDestroy.argtypes = [ctypes.c_void_p]\n"
        "lib.NvDsInferPluginFactoryRuntimeDestroy(p)\n"
        "lib.NvDsInferPluginFactoryRuntimeDestroy(ctypes.c_void_p(0x5678))\n"
        "print(ok, p.value)\n"))
    assert proc.stdout.split() == ["True", "None"]
    # Destroy(nullptr) is silent; another pointer is left alone with one warning.
    assert proc.stderr.count("NvDsInferPluginFactoryRuntimeDestroy") == 1


def test_parser_only_library_needs_no_tensorrt_headers(tmp_path):
    library = run_compile(CompileJob([FACTORY_CPP], tmp_path / "libfactory.so", include_dirs=[DS_DIR],
                                     defines={"TRTPLUG_DS_TENSORRT_MAJOR": "10"}, extra_flags=["-Werror"]))
    lib = ctypes.CDLL(str(library))
    get = lib.NvDsInferPluginFactoryRuntimeGet
    get.restype, get.argtypes = ctypes.c_bool, [ctypes.POINTER(ctypes.c_void_p)]
    p = ctypes.c_void_p(0x1)
    assert get(ctypes.byref(p)) and p.value is None


@pytest.mark.gpu
def test_trt7_factory_enqueues_a_numba_kernel_on_the_gpu(tmp_path):
    """kernels/mish.py built for TensorRT 7.2: create -> configure -> enqueue -> serialize ->
    recreate -> enqueue again, outputs compared with Mish's numpy reference."""
    import os

    from gpu_artifacts import TRT7_ARTIFACTS_ENV, TRT7_HARNESS, TRT7_LIBRARY, build_trt7_artifacts
    from trtplug.testing import numba_stub

    given = os.environ.get(TRT7_ARTIFACTS_ENV)
    if given:
        artifacts = {"library": Path(given) / TRT7_LIBRARY, "harness": Path(given) / TRT7_HARNESS}
    elif numba_stub.numba_available():
        trt7_include()
        artifacts = build_trt7_artifacts(tmp_path / "artifacts")
    else:
        pytest.skip(f"no ${TRT7_ARTIFACTS_ENV} (python tests/gpu_artifacts.py DIR builds DIR/trt7) and no Numba "
                    "to build it")
    rng = np.random.default_rng(7)
    cases = []
    for dtype, atol in (("float32", 1e-5), ("float16", 2e-3)):
        x = (rng.standard_normal((3, 4, 33, 17)) * 4).astype(dtype)
        v = x.astype(np.float64)
        ref = (v * np.tanh(np.logaddexp(0.0, v))).astype(dtype)
        cases.append(Trt7Case(f"mish_{dtype}", "mish_head", encode("Mish", "1", []), inputs=[x], references=[ref],
                              dtype=dtype, max_batch=4, atol=atol, rtol=atol))
    report = run_trt7_cases(artifacts["library"], cases, tmp_path / "plan", harness=artifacts["harness"], mode="gpu")
    assert report.passed, format_trt7_report(report)
    assert report.gpu
    for r in report.cases:
        assert r.step("enqueue").status == "ok" and r.step("enqueue-restored").status == "ok"
        assert r.step("compare").status == "ok" and r.compared, r.case_id
