"""trtplug.blocks: CPU correctness under Numba's CUDA simulator, and ahead-of-time compilation."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba.cuda", reason="numba-cuda is needed for the blocks")

ROOT = Path(__file__).resolve().parents[1]
SIM_SCRIPT = ROOT / "tests" / "blocks_sim" / "run_blocks.py"
BLOCK_PLUGINS = ["layer_norm", "softmax", "mish", "hard_swish", "scaled_add", "max_normalize"]
SIM_CASES = [
    "elementwise_aligned_tail_f32", "elementwise_aligned_f16", "elementwise_unaligned_f32",
    "elementwise_unaligned_f16", "elementwise_per_channel_broadcast", "elementwise_last_dim_broadcast_f16",
    "elementwise_inner_broadcast", "warp_reductions", "block_reductions_one_warp", "block_reductions_odd_row",
    "block_reductions_f16", "mish", "mish_f16", "hard_swish_f16", "scaled_add_per_channel", "layer_norm_768",
    "layer_norm_odd_f16", "softmax_odd", "softmax_f16_single_column",
]
# LayerNorm and Softmax on every row length of their test shapes (and 800: threads holding
# different numbers of chunks), float32 and float16, 16-byte aligned and, for 768 and 800 columns, not.
ROW_CASES = [f"rows_{op}_{cols}_{dtype}{suffix}" for cols in (768, 4096, 16384, 33, 1, 1031, 800)
             for dtype in ("float32", "float16") for suffix in ("", "_misaligned")
             if not (suffix and cols not in (768, 800)) for op in ("layer_norm", "softmax")]
SIM_CASES += ROW_CASES
SIM_CASES += [f"upsample_2x3x4x5_x2_{dtype}" for dtype in ("float32", "float16", "int32", "int8")]
SIM_CASES += ["upsample_2x3x4x5_x2_float16_misaligned", "upsample_1x2x5x7_x3_int8", "upsample_2x3x4x4_x1_int32",
              "upsample_3x2x3x17_x2_leftover_threads", "upsample_2x3x5x3_x3_rows_per_pass",
              "upsample_1x1x3x50_x2_rows_wider_than_grid"]
SIM_CASES += ["grid_sum_aligned_tail_f32", "grid_max_misaligned_f16", "grid_sum_shorter_than_a_group",
              "max_abs_normalize_f32", "max_abs_normalize_f16_misaligned", "max_abs_normalize_zeros",
              "l2_normalize_registers_f32", "l2_normalize_registers_f16", "l2_normalize_loop_odd_row",
              "l2_normalize_loop_misaligned_f16", "sigmoid_decode", "sigmoid_decode_two_images_misaligned"]


@pytest.fixture(scope="module")
def simulated_results():
    """Every simulator case, run once in a child process (the simulator must not leak into this one)."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, str(SIM_SCRIPT), *SIM_CASES], capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", SIM_CASES)
def test_block_matches_numpy_in_simulator(case, simulated_results):
    assert simulated_results[case] is None, simulated_results[case]


def test_importing_trtplug_does_not_import_blocks_or_numba():
    code = "import sys, trtplug; bad = [m for m in sys.modules if m.startswith(('numba', 'trtplug.blocks'))]; " \
           "print(bad); sys.exit(1 if bad else 0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_elementwise_rejects_bad_arguments():
    from numba import cuda
    from trtplug.blocks import elementwise

    @cuda.jit(device=True)
    def identity(v):
        return v

    with pytest.raises(ValueError, match="inputs must be a positive int"):
        elementwise(identity, inputs=0)
    with pytest.raises(ValueError, match="broadcast positions"):
        elementwise(identity, inputs=1, broadcast=[1])


def test_grid_reduction_rejects_an_unknown_combine():
    from numba import cuda
    from trtplug.blocks import grid_reduction

    @cuda.jit(device=True)
    def identity(v):
        return v

    with pytest.raises(ValueError, match=r"grid_reduction\(identity\): combine must be one of \['max', 'sum'\]"):
        grid_reduction(identity, "min")


# --- ahead of time ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("blocks-kernel-cache")


@pytest.mark.parametrize("dtype,wide", [("float32", "ld.global.v4.f32"), ("float16", "ld.global.v4.u32")])
def test_elementwise_kernel_uses_16_byte_accesses(dtype, wide, cache_dir):
    from numba import cuda
    from trtplug.aot.compiler import compile_kernel
    from trtplug.aot.signature import ArrayArg, ScalarArg
    from trtplug.blocks import elementwise

    @cuda.jit(device=True)
    def axpy(x, y, a):
        return a * x + y

    kernel = elementwise(axpy, inputs=2, params=1)
    ck = compile_kernel(kernel, (ArrayArg(dtype, 1),) * 3 + (ScalarArg("float32"),), [90], cache_dir=cache_dir)
    ptx = ck.ptx_parts[0].decode()
    assert len(ck.ptx_parts) == 1  # float16 is converted, not computed: no fp16 support code to link
    assert len(re.findall(re.escape(wide), ptx)) >= 2  # both inputs
    assert wide.replace("ld.", "st.") in ptx
    assert ck.cubins[90][:4] == b"\x7fELF"


def test_grid_reduction_reads_with_16_byte_loads(cache_dir):
    """The first pass reads like an elementwise kernel; the second reads the partials, one per thread."""
    from numba import cuda
    from trtplug.aot.compiler import compile_kernel
    from trtplug.aot.signature import ArrayArg, ScalarArg
    from trtplug.blocks import grid_reduction

    @cuda.jit(device=True)
    def square(v):
        return v * v

    reduction = grid_reduction(square, "sum")
    blocks = compile_kernel(reduction.blocks, (ArrayArg("float16", 1), ArrayArg("float32", 1)), [90],
                            cache_dir=cache_dir)
    assert "ld.global.v4.u32" in blocks.ptx_parts[0].decode() and not blocks.cooperative
    finish = compile_kernel(reduction.finish, (ArrayArg("float32", 1), ScalarArg("int64")), [90], cache_dir=cache_dir)
    assert finish.cubins[90][:4] == b"\x7fELF"


@pytest.mark.parametrize("dtype,wide", [("float32", "ld.global.v4.f32"), ("float16", "ld.global.v4.u32")])
@pytest.mark.parametrize("name", ["layer_norm", "softmax"])
def test_row_kernels_hold_the_row_in_registers(name, dtype, wide, cache_dir):
    """The row is read with 16-byte loads into registers: no local-memory array survives."""
    sys.path.insert(0, str(ROOT / "kernels"))
    from trtplug.aot.compiler import compile_kernel
    from trtplug.aot.signature import ArrayArg, ScalarArg
    module = __import__(name)
    array = ArrayArg(dtype, 1)
    if name == "layer_norm":
        kernel, args = module.layer_norm_kernel, (array,) * 4 + (ScalarArg("int64"), ScalarArg("float32"))
    else:
        kernel, args = module.softmax_kernel, (array,) * 2 + (ScalarArg("int64"),)
    ptx = b"".join(compile_kernel(kernel, args, [90], cache_dir=cache_dir).ptx_parts).decode()
    assert wide in ptx and wide.replace("ld.", "st.") in ptx
    assert ".local" not in ptx


def test_elementwise_kernels_get_distinct_cache_keys():
    """Kernels made by the factory share their source text; the device function they close over tells them apart."""
    from numba import cuda
    from trtplug.aot.compiler import cache_key
    from trtplug.aot.fingerprint import python_function
    from trtplug.aot.signature import ArrayArg
    from trtplug.blocks import elementwise

    @cuda.jit(device=True)
    def double(v):
        return v * 2

    @cuda.jit(device=True)
    def triple(v):
        return v * 3

    args = (ArrayArg("float32", 1),) * 2
    keys = {cache_key(python_function(elementwise(op)), args, [90], {}) for op in (double, triple)}
    assert len(keys) == 2
    assert cache_key(python_function(elementwise(double)), args, [90], {}) in keys  # stable across builds


def test_kernel_cache_follows_the_blocks_sources():
    """The blocks' Numba intrinsics generate code the kernel fingerprint cannot read: their sources
    are part of the compile stage's version, so editing them recompiles every kernel."""
    import trtplug.blocks.memory
    from trtplug.aot.toolchain import aot_code_files

    assert Path(trtplug.blocks.memory.__file__).resolve() in aot_code_files()


def test_block_plugins_compile_into_one_library(tmp_path):
    """`trtplug compile` of every plugin built on the blocks, float32 and float16 variants."""
    from trtplug.pipeline import CompileOptions, compile_library
    from trtplug.runtime import Library

    files = [str(ROOT / "kernels" / f"{name}.py") for name in BLOCK_PLUGINS]
    result = compile_library(files, CompileOptions(output_dir=tmp_path, tensorrt=False, archs=[90], progress=None))
    library = Library(result.library)
    assert sorted(name for name, _ in library.plugins) == ["HardSwish", "LayerNorm", "MaxAbsNormalize", "Mish",
                                                            "ScaledAdd", "Softmax"]
    layer_norm = library.instance("LayerNorm", epsilon=1e-3)
    assert layer_norm.output_shapes([(2, 3, 768), (768,), (768,)]) == [(2, 3, 768)]
    for name in ("LayerNorm", "Softmax", "Mish"):
        instance = library.instance(name)
        dtypes = ("float16",) * (instance.n_inputs + instance.n_outputs)
        assert instance.variant(dtypes) >= 0, name


def test_block_plugins_load_for_references_without_numba():
    """On a GPU machine without Numba, plugin files built on the blocks still import for their references."""
    files = [str(ROOT / "kernels" / f"{name}.py") for name in BLOCK_PLUGINS]
    code = (
        "import sys, numpy as np; sys.modules['numba'] = None\n"
        "from trtplug.testing import numba_stub; assert numba_stub.install_if_needed()\n"
        "from trtplug.loader import load_specs\n"
        f"specs = [s for f in {files!r} for s in load_specs([f])]\n"
        "x = np.array([[-1.0, 0.0, 2.0]], np.float32)\n"
        "ln = [s for s in specs if s.name == 'LayerNorm'][0]\n"
        "y = ln.reference(ln.plugin_class(), x, np.ones(3, np.float32), np.zeros(3, np.float32))\n"
        "print(sorted(s.name for s in specs), [round(float(v), 3) for v in y[0]])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "['HardSwish', 'LayerNorm', 'MaxAbsNormalize', 'Mish', 'ScaledAdd', 'Softmax']" in proc.stdout
    # mean 1/3, variance 14/9: (x - 1/3) / sqrt(14/9 + 1e-5)
    assert "[-1.069, -0.267, 1.336]" in proc.stdout
