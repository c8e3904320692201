"""Ahead-of-time kernel compilation (trtplug.aot): runs on CPU, with no GPU or CUDA driver."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

pytest.importorskip("numba.cuda", reason="numba-cuda is needed to compile kernels")

from trtplug.aot import checks, link, numba_patches  # noqa: E402
from trtplug.aot.compiler import CompiledKernel, clear_memory_cache, compile_kernel  # noqa: E402
from trtplug.aot.signature import ArrayArg, ScalarArg, param_count  # noqa: E402
from trtplug.errors import KernelCompileError  # noqa: E402

from aot_kernels import kernels as K  # noqa: E402

ARCHS = [75, 90]
F32 = ArrayArg("float32", 1)
F16 = ArrayArg("float16", 1)
AXPB_ARGS = (F32, F32, ScalarArg("float32"), F32)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kernel-cache")


def compile_(kernel, args, cache_dir, archs=ARCHS):
    return compile_kernel(kernel, args, archs, cache_dir=cache_dir)


def ptx(ck: CompiledKernel, part: int = 0) -> str:
    assert ck.ptx_parts[part].endswith(b"\0")
    return ck.ptx_parts[part][:-1].decode()


def assert_cubins(ck: CompiledKernel, archs):
    assert sorted(ck.cubins) == sorted(archs)
    for sm, cubin in ck.cubins.items():
        assert cubin[:4] == b"\x7fELF", f"sm_{sm} image is not an ELF cubin"


# --- signature -------------------------------------------------------------------------------

def test_param_count_follows_numba_array_layout():
    assert param_count(AXPB_ARGS) == 7 + 7 + 1 + 7
    assert param_count((ArrayArg("float32", 4), ArrayArg("float32", 4), ScalarArg("float32"),
                        ArrayArg("float32", 4))) == 40


def test_signature_rejects_unknown_dtypes_and_bad_ndim():
    with pytest.raises(ValueError, match="complex64"):
        ArrayArg("complex64", 1)
    with pytest.raises(ValueError, match="ndim"):
        ArrayArg("float32", 0)
    with pytest.raises(ValueError, match="float8"):
        ScalarArg("float8")


def test_importing_signature_and_package_does_not_import_numba():
    code = ("import sys, trtplug.aot, trtplug.aot.signature; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('numba', 'numba_cuda')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- kernels that compile --------------------------------------------------------------------

def test_1d_fp32_kernel(cache_dir):
    ck = compile_(K.axpb, AXPB_ARGS, cache_dir)
    text = ptx(ck)
    assert ck.name == "axpb"
    assert re.search(rf"\.visible\s+\.entry\s+{re.escape(ck.entry)}\s*\(", text)
    assert ck.params == ("u64",) * 14 + ("f32",) + ("u64",) * 7
    assert len(ck.ptx_parts) == 1 and not ck.cooperative and not ck.needs_link
    assert ck.ptx_target == 75 and f".target sm_{ck.ptx_target}" in text
    assert re.search(rf"^\.version {re.escape(ck.ptx_version)}$", text, re.M)
    assert ck.toolchain["numba-cuda"] == numba_patches.CHECKED_NUMBA_CUDA_VERSION
    assert {"nvvm", "nvjitlink", "nvrtc", "nvvm_release"} <= set(ck.toolchain)
    assert_cubins(ck, ARCHS)


def test_4d_array_kernel_has_13_params_per_array(cache_dir):
    a4 = ArrayArg("float32", 4)
    ck = compile_(K.nchw_scale, (a4, a4, ScalarArg("float32"), a4), cache_dir)
    assert len(ck.params) == 13 * 3 + 1
    assert ck.params[26] == "f32"
    assert_cubins(ck, ARCHS)


def test_fp16_arithmetic_links_numba_support_code(cache_dir):
    ck = compile_(K.half_axpb, (F16, F16, ScalarArg("float16"), F16), cache_dir)
    assert len(ck.ptx_parts) == 2 and ck.needs_link
    kernel_ptx, shim_ptx = ptx(ck, 0), ptx(ck, 1)
    externs = re.findall(r"\.extern\s+\.func\s*\([^)]*\)\s*(\w+)", kernel_ptx)
    assert externs, "fp16 arithmetic should call numba's fp16 support functions"
    for name in externs:
        assert re.search(rf"\.visible\s+\.func\s*(\([^)]*\))?\s*{name}\b", shim_ptx), name
    assert ck.params[14] == "u16"
    assert_cubins(ck, ARCHS)  # one cubin per arch with both parts linked in


def test_kernel_calling_device_function(cache_dir):
    ck = compile_(K.mish, (F32, F32), cache_dir)
    assert ".extern .func" not in ptx(ck)
    assert_cubins(ck, ARCHS)


def test_math_uses_inlined_libdevice(cache_dir):
    ck = compile_(K.math_mix, (F32, F32), cache_dir)
    assert ".extern .func" not in ptx(ck)
    assert "__nv_" not in ptx(ck)
    assert_cubins(ck, ARCHS)


def test_dynamic_shared_memory_kernel(cache_dir):
    ck = compile_(K.block_sum, (F32, F32), cache_dir)
    assert re.search(r"\.extern\s+\.shared\s+.*\[\]", ptx(ck))
    assert_cubins(ck, ARCHS)


def test_cooperative_grid_sync_links_libcudadevrt(cache_dir):
    ck = compile_(K.grid_sync_increment, (F32, F32), cache_dir)
    assert ck.cooperative and ck.needs_link
    assert "cudaCG" in ptx(ck)
    assert_cubins(ck, ARCHS)
    plain = compile_(K.axpb, AXPB_ARGS, cache_dir)
    # The device runtime is linked into the cooperative cubin, so it is much larger.
    assert len(ck.cubins[90]) > 4 * len(plain.cubins[90])


def test_print_is_resolved_by_the_driver(cache_dir):
    ck = compile_(K.prints, (F32,), cache_dir, archs=[75])
    assert "vprintf" in ptx(ck) and not ck.cooperative


def test_scalar_param_types(cache_dir):
    args = (F32, ScalarArg("int32"), ScalarArg("bool"), ScalarArg("float16"))
    ck = compile_(K.scalar_mix, args, cache_dir, archs=[75])
    assert ck.params == ("u64",) * 7 + ("u32", "u8", "u16")


def test_plain_python_function_is_accepted(cache_dir):
    ck = compile_(K.plain_function_kernel, (F32, F32), cache_dir, archs=[75])
    assert ck.name == "plain_function_kernel"
    assert ck.entry in ptx(ck)


def test_empty_arch_list_gives_ptx_only(cache_dir):
    ck = compile_(K.axpb, AXPB_ARGS, cache_dir, archs=[])
    assert ck.cubins == {} and ck.ptx_parts


# --- kernels that are rejected ---------------------------------------------------------------

def test_nrt_kernel_rejected(cache_dir, monkeypatch):
    from numba.cuda import config

    # Default (NRT off): numba cannot type the allocation; the error says what to use instead.
    with pytest.raises(KernelCompileError, match=r"(?s)kernel allocates: .*cuda\.local\.array"):
        compile_(K.allocates, (F32,), cache_dir, archs=[75])
    # NRT on: the PTX needs NRT_* functions, which a plugin does not have.
    monkeypatch.setattr(config, "CUDA_ENABLE_NRT", True)
    with pytest.raises(KernelCompileError, match=r"(?s)kernel allocates: uses numba's runtime.*NRT_"
                                                 r".*cuda\.local\.array"):
        compile_(K.allocates, (F32,), cache_dir, archs=[75])


def test_python_list_in_kernel_gets_a_hint(cache_dir):
    with pytest.raises(KernelCompileError, match=r"(?s)kernel builds_list: .*Hint: a Python list.*tuple of constants"):
        compile_(K.builds_list, (F32,), cache_dir, archs=[75])


def test_raising_kernel_rejected(cache_dir):
    with pytest.raises(KernelCompileError, match=r"kernel raises: raises an exception .*kernels\.py:\d+"):
        compile_(K.raises, (F32,), cache_dir, archs=[75])


def test_assert_in_device_function_rejected(cache_dir):
    with pytest.raises(KernelCompileError,
                       match=r"kernel raises_in_device_function: .* at checked_sqrt"):
        compile_(K.raises_in_device_function, (F32,), cache_dir, archs=[75])


def test_untypable_kernel_names_kernel_and_signature(cache_dir):
    with pytest.raises(KernelCompileError) as info:
        compile_(K.untypable, (F32,), cache_dir, archs=[75])
    msg = str(info.value)
    assert msg.startswith("kernel untypable: numba could not compile it for the signature (float32[::1])")
    assert "no_such_attribute" in msg


def test_unresolved_extern_rejected(cache_dir):
    with pytest.raises(KernelCompileError,
                       match="kernel calls_undefined_extern: calls external functions nothing "
                             "provides: trtplug_test_external_scale"):
        compile_(K.calls_undefined_extern, (F32,), cache_dir, archs=[75])


def test_param_count_mismatch_rejected(cache_dir):
    text = ptx(compile_(K.axpb, AXPB_ARGS, cache_dir))
    with pytest.raises(KernelCompileError, match=r"kernel axpb.*has 22 parameters but the signature needs 21"):
        checks.check_entry("axpb", text, (F32, F32, F32))


def test_not_a_kernel_rejected(cache_dir):
    with pytest.raises(KernelCompileError, match=r"kernel 42: expected a numba @cuda.jit kernel"):
        compile_kernel(42, (F32,), [75], cache_dir=cache_dir)
    with pytest.raises(KernelCompileError, match="kernel softplus: is a device function"):
        compile_kernel(K.softplus, (ScalarArg("float32"),), [75], cache_dir=cache_dir)


def test_bad_arch_rejected(cache_dir):
    with pytest.raises(KernelCompileError, match=r"kernel axpb: arch 61 is not supported; .* >= 70"):
        compile_kernel(K.axpb, AXPB_ARGS, [61], cache_dir=cache_dir)


def test_ptx_targets_the_oldest_arch_asked_for(cache_dir):
    """Jetson Xavier (sm_72) has no sm_75 PTX to JIT: the PTX follows the oldest cubin arch below 75."""
    ck = compile_kernel(K.axpb, AXPB_ARGS, [72, 87], cache_dir=cache_dir)
    text = b"".join(ck.ptx_parts).decode()
    assert ck.ptx_target == 72 and ".target sm_72" in text and sorted(ck.cubins) == [72, 87]


# --- architectures ---------------------------------------------------------------------------

def test_default_archs_follow_nvjitlink(monkeypatch):
    if link.nvjitlink_version() >= (12, 8):
        assert link.default_archs() == [75, 80, 86, 87, 89, 90, 100, 120]
    monkeypatch.setattr(link, "nvjitlink_version", lambda: (12, 4))
    with pytest.warns(UserWarning, match=r"nvJitLink 12\.4 does not know sm_100, sm_120"):
        assert link.default_archs() == [75, 80, 86, 87, 89, 90]


# --- cache -----------------------------------------------------------------------------------

def test_cache_hit_is_fast_and_identical(cache_dir):
    first = compile_(K.mish, (F32, F32), cache_dir)
    clear_memory_cache()
    start = time.perf_counter()
    again = compile_(K.mish, (F32, F32), cache_dir)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"cached compile took {elapsed:.3f} s"
    assert again == first and again is not first


def _write_module(path, helper_body):
    path.write_text(textwrap.dedent(f"""
        from numba import cuda

        @cuda.jit(device=True)
        def helper(v):
            return {helper_body}

        @cuda.jit
        def kern(x):
            i = cuda.grid(1)
            if i < x.size:
                x[i] = helper(x[i])
    """))


def test_cache_key_covers_device_function_source(tmp_path, monkeypatch):
    import importlib

    monkeypatch.syspath_prepend(str(tmp_path))
    module = tmp_path / "aot_cache_probe.py"
    cache = tmp_path / "cache"
    entries = lambda: sorted(p.name for p in cache.glob("*/*"))  # noqa: E731

    _write_module(module, "v * 2.0")
    mod = importlib.import_module("aot_cache_probe")
    a = compile_kernel(mod.kern, (F32,), [75], cache_dir=cache)
    assert len(entries()) == 1
    compile_kernel(mod.kern, (F32,), [75], cache_dir=cache)
    assert len(entries()) == 1, "unchanged kernel must hit the cache"

    _write_module(module, "v * 3.0")  # only the device function changes
    sys.modules.pop("aot_cache_probe")
    mod = importlib.import_module("aot_cache_probe")
    b = compile_kernel(mod.kern, (F32,), [75], cache_dir=cache)
    assert len(entries()) == 2
    assert "0f40400000" in ptx(b).lower() and "0f40400000" not in ptx(a).lower()  # 3.0f


def test_corrupt_cache_entry_is_recompiled(tmp_path):
    compile_kernel(K.axpb, AXPB_ARGS, [75], cache_dir=tmp_path)
    (meta,) = tmp_path.glob("*/*/kernel.json")
    meta.write_text("{not json")
    clear_memory_cache()
    ck = compile_kernel(K.axpb, AXPB_ARGS, [75], cache_dir=tmp_path)
    assert ck.entry in ptx(ck)


# --- numba-cuda patches ----------------------------------------------------------------------

def _driver_present() -> bool:
    import ctypes

    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


def test_patch_get_current_device_is_needed_and_restored():
    import numba.cuda.compiler as nb_compiler
    import numba.cuda.dispatcher as nb_dispatcher
    from numba import cuda
    from numba.cuda import types

    # A fresh device function: one compiled earlier would be reused without asking for a device.
    @cuda.jit(device=True)
    def twice(v):
        return v * 2.0

    def kern(x):
        x[0] = twice(x[0])

    sig = (types.float32[::1],)
    original = nb_dispatcher.get_current_device
    if not _driver_present():
        with pytest.raises(Exception, match="CUDA driver"):
            nb_compiler.compile_all(kern, sig, device=False, abi="numba", cc=(7, 5), output="ptx")
    with numba_patches.driverless((8, 0), "kern"):
        assert nb_dispatcher.get_current_device().compute_capability == (8, 0)
        assert nb_compiler.get_current_device().compute_capability == (8, 0)
        codes, _ = nb_compiler.compile_all(kern, sig, device=False, abi="numba", cc=(8, 0),
                                           output="ptx")
    assert ".target sm_80" in codes[0]
    assert nb_dispatcher.get_current_device is original


def test_patch_nvrtc_compiles_fp16_shims_without_driver():
    import numba.cuda.cudadrv.nvrtc as nb_nvrtc

    original = nb_nvrtc.compile
    src = textwrap.dedent("""
        #include <cuda_fp16.h>
        extern "C" __device__ int trtplug_hadd(__half* out, __half a, __half b) {
            *out = __hadd(a, b);
            return 0;
        }
    """)
    with numba_patches.driverless((7, 5), "probe"):
        assert nb_nvrtc.compile is numba_patches.nvrtc_compile
        code, _log = nb_nvrtc.compile(src, "probe.cu", (7, 5))
    assert nb_nvrtc.compile is original
    text = code.decode()
    assert re.search(r"\.visible\s+\.func\s*(\([^)]*\))?\s*trtplug_hadd", text)
    assert ".target sm_75" in text
    with pytest.raises(KernelCompileError, match="NVRTC could not compile .*broken.cu"):
        numba_patches.nvrtc_compile("this is not C++", "broken.cu", (7, 5))


def test_patches_refuse_other_numba_cuda_versions(monkeypatch):
    monkeypatch.setattr(numba_patches, "CHECKED_NUMBA_CUDA_VERSION", "0.0.1")
    with pytest.raises(KernelCompileError, match=r"kernel axpb: .*numba-cuda 0\.0\.1.*is installed"):
        with numba_patches.driverless((7, 5), "axpb"):
            pass


# --- on a GPU --------------------------------------------------------------------------------

def compile_gpu_cases(cache_dir, archs=None) -> dict:
    a4 = ArrayArg("float32", 4)
    return {
        "axpb": compile_kernel(K.axpb, AXPB_ARGS, archs, cache_dir=cache_dir),
        "nchw": compile_kernel(K.nchw_scale, (a4, a4, ScalarArg("float32"), a4), archs, cache_dir=cache_dir),
        "half": compile_kernel(K.half_axpb, (F16, F16, ScalarArg("float16"), F16), archs, cache_dir=cache_dir),
        "mish": compile_kernel(K.mish, (F32, F32), archs, cache_dir=cache_dir),
        "math": compile_kernel(K.math_mix, (F32, F32), archs, cache_dir=cache_dir),
        "shared": compile_kernel(K.block_sum, (F32, F32), archs, cache_dir=cache_dir),
        "coop": compile_kernel(K.grid_sync_increment, (F32, F32), archs, cache_dir=cache_dir),
        "scalars": compile_kernel(K.scalar_mix, (F32, ScalarArg("int32"), ScalarArg("bool"),
                                                 ScalarArg("float16")), archs, cache_dir=cache_dir),
    }


@pytest.mark.gpu
def test_compiled_kernels_run_on_gpu(cache_dir):
    if not _driver_present():
        pytest.skip("needs a GPU: libcuda.so.1 cannot be loaded")
    from aot_kernels import gpu_check

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sm_87 has no cooperative cubin (libcudadevrt lacks it)
        images = {k: dict(ck.__dict__) for k, ck in compile_gpu_cases(cache_dir).items()}
    lines = gpu_check.run_all(images)
    assert all(line.startswith("PASS") for line in lines), "\n".join(lines)
