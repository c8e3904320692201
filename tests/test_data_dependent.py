"""Data-dependent outputs (tp.data_dependent + tp.size_output): declaration and trace errors, the
refusal outside IPluginV3, the harness's count-aware comparison, and kernels/v3/keep_above_threshold.py
under Numba's CUDA simulator. The V3 build and lifecycle are in test_tensorrt_v3.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import trtplug as tp
from trtplug.deepstream.versions import parse_version
from trtplug.native.tensorrt_headers import TensorRTHeaders
from trtplug.target import BuildTarget
from trtplug.native.toolchain import choose_toolchain
from trtplug.errors import BuildError, DefinitionError, TraceError
from trtplug.testing.cases import make_cases
from trtplug.testing.plan import PlanCase, read_plan, write_plan
from trtplug.testing.results import CaseResult, HarnessReport, compare_outputs
from trtplug.trace.tracer import trace

ROOT = Path(__file__).resolve().parents[1]
KEEP = ROOT / "kernels" / "v3" / "keep_above_threshold.py"


class _Kernel:  # looks like a numba CUDA kernel to the tracer, which never calls it
    @staticmethod
    def py_func(x):
        pass


_kernel = _Kernel()


def plugin(outputs, shapes, reference=None, **members):
    """A plugin of one input x: `shapes(x)` is its output_shapes."""
    body = {**members, "inputs": [tp.Input("x", rank=1)], "outputs": outputs,
            "output_shapes": lambda self, x: shapes(x),
            "enqueue": lambda self, x, *outs: tp.launch(_kernel, grid=1, block=1)(x)}
    if reference is not None:
        body["reference"] = reference
    return type("Picked", (tp.TrtPlugin,), body)


PICKED = [tp.Output("picked", dtype="float32", rank=1), tp.size_output("n")]


def test_a_data_dependent_output_traces_to_its_upper_bound_and_size_tensor():
    cls = plugin(PICKED, lambda x: [(tp.data_dependent("n", upper=x.shape[0] * 2),), ()])
    picked, n = trace(cls.spec()).outputs
    assert (picked.size_output, picked.size_dim, str(picked.dims[0])) == (1, 0, "(x.shape[0] * 2)")
    assert n.dims == () and not n.data_dependent
    assert cls.spec().outputs[1].size_tensor and cls.spec().combinations[0][-1] == "int32"


@pytest.mark.parametrize("shapes, message", [
    (lambda x: [(tp.data_dependent("m", upper=x.shape[0]),), ()], "names no size tensor output. Hint: size tensors are ['n']"),
    (lambda x: [(x.shape[0],), ()], "size tensor 'n' counts no output"),
    (lambda x: [(tp.data_dependent("n", upper=-1),), ()], "the upper bound is negative"),
    (lambda x: [(tp.data_dependent("n", upper=x.shape[0]),), (tp.data_dependent("n", upper=3),)], "a size tensor is 0-d"),
    (lambda x: [(tp.data_dependent("n", upper=x.shape[0]) + 1,), ()], "known only on the GPU"),
])
def test_data_dependent_mistakes_name_the_plugin_and_output(shapes, message):
    with pytest.raises(TraceError) as err:
        trace(plugin(PICKED, shapes).spec())
    assert message in str(err.value)


def test_outputs_of_one_size_tensor_need_one_upper_bound():
    outputs = [tp.Output("a", dtype="float32", rank=1), tp.Output("b", dtype="float32", rank=1), tp.size_output("n")]
    cls = plugin(outputs, lambda x: [(tp.data_dependent("n", upper=x.shape[0]),),
                                     (tp.data_dependent("n", upper=x.shape[0] + 1),), ()])
    with pytest.raises(TraceError, match="outputs 'a' and 'b' are counted by size tensor 'n' with different upper"):
        trace(cls.spec())


def test_a_size_tensor_is_a_0d_int32_output():
    with pytest.raises(DefinitionError, match=r"outputs\[1\] \('n'\): a size tensor is a 0-d int32 output"):
        type("Bad", (tp.TrtPlugin,), {"inputs": [tp.Input("x")], "outputs": [
            tp.Output("y", like="x"), tp.Output("n", dtype="float32", rank=0, size_tensor=True)],
            "enqueue": lambda self, x, y, n: None})


def test_the_reference_count_must_fit_the_upper_bound():
    cls = plugin(PICKED, lambda x: [(tp.data_dependent("n", upper=x.shape[0]),), ()],
                 reference=lambda self, x: (x[x > 0], np.int32(x.size + 1)), test_shapes=[{"x": (5,)}])
    with pytest.raises(DefinitionError, match=r"size tensor 'n' must be one int in \[0, 5\]"):
        make_cases(cls.spec())


TRT10 = TensorRTHeaders(Path("/trt10/include"), 10, 16, 0)
TRT7 = TensorRTHeaders(Path("/trt7/include"), 7, 2, 3)


@pytest.mark.parametrize("adapter, headers, refused", [
    ("v2", TRT10, "built with --interface v2"),
    ("trt7", TRT7, "built with TensorRT 7.2.3"),
    ("v3", TRT10, None),
    ("none", None, None),  # C API only: buffers at the upper bound
])
def test_only_ipluginv3_and_the_c_api_take_data_dependent_outputs(adapter, headers, refused):
    traced = [trace(plugin(PICKED, lambda x: [(tp.data_dependent("n", upper=x.shape[0]),), ()]).spec())]
    target = BuildTarget(adapter, headers, None, parse_version(None), choose_toolchain())
    if refused is None:
        target.check_plugins(traced)
        return
    with pytest.raises(BuildError) as err:
        target.check_plugins(traced)
    assert "Picked: output 'picked' is data-dependent" in str(err.value)
    assert refused in str(err.value) and "--interface v3" in str(err.value)


# ------------------------------------------------------------------ harness comparison
@pytest.mark.parametrize("count, verdict", [(0, "pass"), (2, "pass"), (4, "pass"), (5, "outside [0, 4]"),
                                            (-1, "outside [0, 4]"), (3, "counts 3, the reference 2")])
def test_the_harness_compares_only_the_counted_rows(tmp_path, count, verdict):
    kept = np.arange(8, dtype=np.float32).reshape(4, 2)
    true_count = count if verdict == "pass" else 2
    case = PlanCase("dds", "Keep", "1", inputs=[kept], references=[kept[:true_count], np.int32(true_count)],
                    outputs=[("float32", (4, 2)), ("int32", ())], counted_by=[(1, 0), None])
    write_plan(tmp_path, [case])
    plan = read_plan(tmp_path)
    assert plan["cases"][0]["outputs"][0]["size_output"] == 1
    buffer = np.full((4, 2), np.nan, np.float32)  # rows past the count stay unwritten
    buffer[:max(0, min(count, 4))] = kept[:max(0, min(count, 4))]
    buffer.tofile(tmp_path / "dds.out0.bin")
    np.int32(count).tofile(tmp_path / "dds.out1.bin")
    report = HarnessReport([CaseResult("dds", "Keep", "1", "", "pass", enqueued=True)], gpu=True)
    compare_outputs(report, plan, tmp_path)
    if verdict == "pass":
        assert report[0].passed and report[0].compared, report[0].message
    else:
        assert not report[0].passed and verdict in report[0].message
        assert report[0].message.startswith("Keep output 0" if "outside" in verdict else "output 0")


def test_keep_above_threshold_cases_keep_none_some_and_all():
    sys.path.insert(0, str(KEEP.parent))
    try:
        from keep_above_threshold import KeepAboveThreshold
    finally:
        sys.path.remove(str(KEEP.parent))
    from trtplug.testing.cases import all_cases
    from trtplug.testing.plan import plan_cases

    spec = KeepAboveThreshold.spec()
    cases = [c for c in all_cases(spec) if c.combo[0] == "float32" and c.input_shapes[0][0] == 300]
    counts = sorted(int(c.references[2]) for c in cases)
    assert counts[0] == 0 and 0 < counts[1] < 300 and counts[2] == 300
    planned = plan_cases(spec, cases)
    assert all(p.outputs[0] == ("float32", (300, 4)) and p.counted_by == [(2, 0), (2, 0), None] for p in planned)


# ------------------------------------------------------------------ the kernel, simulated
SIMULATE = """
import json, sys
import numpy as np
from numba import cuda
sys.path.insert(0, sys.argv[1])
from keep_above_threshold import keep_above_threshold_kernel as kernel
results = {}
rng = np.random.default_rng(3)
for n, threshold, dtype in [(1, 0.0, np.float32), (300, 0.5, np.float32), (300, 100.0, np.float32),
                            (300, -100.0, np.float16), (513, 0.25, np.float16)]:
    boxes = rng.standard_normal((n, 4)).astype(dtype)
    scores = (rng.standard_normal(n) * 3).astype(dtype)
    kept = np.full((n, 4), np.nan, dtype)
    kept_scores = np.full(n, np.nan, dtype)
    count = np.full(1, -7, np.int32)
    kernel[1, 256](boxes, scores, kept, kept_scores, count, np.float32(threshold), np.int32(n))
    keep = scores.astype(np.float32) > np.float32(threshold)
    c = int(count[0])
    ok = c == keep.sum() and np.array_equal(kept[:c], boxes[keep]) and np.array_equal(kept_scores[:c], scores[keep])
    results[f"{n}_{threshold}_{np.dtype(dtype).name}"] = [c, bool(ok)]
print(json.dumps(results))
"""


def test_keep_above_threshold_kernel_keeps_input_order_in_the_simulator():
    pytest.importorskip("numba.cuda", reason="numba-cuda is needed for the simulator")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-c", SIMULATE, str(KEEP.parent)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert all(ok for _, ok in results.values()), results
    assert results["300_100.0_float32"][0] == 0 and results["300_-100.0_float16"][0] == 300


@pytest.mark.trt_headers
@pytest.mark.parametrize("major", [8, 10])
def test_compiling_a_data_dependent_plugin_as_ipluginv2_names_the_plugin_and_output(tmp_path, major):
    pytest.importorskip("numba.cuda", reason="numba-cuda is needed to compile kernels")
    from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
    from trtplug.pipeline import CompileOptions, compile_library

    headers = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not headers:
        pytest.skip(f"no TensorRT {major}.x headers")
    options = CompileOptions(output_dir=tmp_path, archs=[90], tensorrt_include=headers[0].include_dir,
                             interface="v2", progress=None)
    with pytest.raises(BuildError) as err:
        compile_library([str(KEEP)], options)
    assert str(err.value).startswith("keep_above_threshold.KeepAboveThreshold: output 'kept' is data-dependent")
    assert "built with --interface v2" in str(err.value)
