"""The ready plugins of issue 16 in kernels/: each enqueue run under Numba's CUDA simulator against its
reference, every plugin through `trtplug test --cpu` (the IPluginV2 lifecycle against TensorRT 10
headers; the IPluginV3 one is tests/test_tensorrt_v3.py's, which builds every file of kernels/),
their references without Numba (as on the GPU machine), and `test_ranges`, which gives their index
inputs valid random values."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trtplug.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[1]
FILES = [str(ROOT / "kernels" / f"{name}.py") for name in
         ("gelu", "leaky_relu", "instance_norm", "resize_bilinear", "yolo_decode", "roi_align", "gather_scatter",
          "top_k")]
PLUGINS = ["ArgMax", "GatherElements", "Gelu", "InstanceNorm", "LeakyRelu", "ResizeBilinear", "RoiAlign",
           "ScatterElements", "TopK", "YoloDecode"]
SIM_SCRIPT = ROOT / "tests" / "blocks_sim" / "run_plugins.py"
SIM_CASES = ["gelu_exact", "gelu_tanh", "leaky_relu", "instance_norm", "instance_norm_single_pixel",
             "resize_half_pixel_x2", "resize_align_corners_x3", "resize_to_size_down", "yolo_decode_small_grid",
             "roi_align_aligned", "roi_align_adaptive_unaligned", "gather_axis1", "gather_axis3",
             "scatter_replace_duplicates", "scatter_add_axis0", "top_k", "top_k_smallest_all", "top_k_ties", "arg_max"]


@pytest.fixture(scope="module")
def simulated():
    """Every simulator case, run once in a child process (the simulator must not leak into this one)."""
    pytest.importorskip("numba.cuda", reason="numba-cuda runs the simulator")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, str(SIM_SCRIPT), *SIM_CASES], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", SIM_CASES)
def test_enqueue_matches_the_reference_in_the_simulator(case, simulated):
    assert simulated[case] is None, simulated[case]


def test_the_simulator_runner_reports_a_wrong_kernel(tmp_path):
    """A plugin whose kernel is off by one element is reported, so a passing case means something."""
    pytest.importorskip("numba.cuda", reason="numba-cuda runs the simulator")
    wrong = tmp_path / "wrong_leaky.py"
    wrong.write_text((ROOT / "kernels" / "leaky_relu.py").read_text().replace(
        "return v if v >= float32(0.0) else v * alpha", "return v + float32(1.0) if v >= float32(0.0) else v * alpha"))
    code = (f"import sys; sys.path.insert(0, {str(SIM_SCRIPT.parent)!r}); import run_plugins as r, json\n"
            f"print(json.dumps(r.plugin_case({str(wrong)!r}, 'LeakyRelu', {{'x': (2, 9)}})()))")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    message = json.loads(proc.stdout.strip().splitlines()[-1])
    assert message and "LeakyRelu [float32,float32] 2x9" in message and "y: " in message, message


def test_references_load_without_numba():
    """On the GPU machine (no Numba) the plugin files import for their references and test cases."""
    code = ("import sys; sys.modules['numba'] = None\n"
            "from trtplug.testing import numba_stub; assert numba_stub.install_if_needed()\n"
            "from trtplug.loader import load_specs\n"
            "from trtplug.testing.cases import all_cases\n"
            f"specs = [s for f in {FILES!r} for s in load_specs([f])]\n"
            "print(sorted(s.name for s in specs), sum(len(all_cases(s)) for s in specs))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names, count = proc.stdout.strip().rsplit(" ", 1)
    assert names == repr(PLUGINS) and int(count) > 100


def test_the_gpu_run_builds_and_checks_every_plugin():
    """tests/gpu_artifacts.py builds a library per file and tests/test_gpu_kernels.py finds each plugin
    in it; the large shapes it adds fit the plugins' inputs and shape rules."""
    import importlib.util
    from trtplug.testing.cases import expected_output_shapes, output_shape_rule

    sys.path.insert(0, str(ROOT / "tests"))
    spec_of = importlib.util.spec_from_file_location("gpu_kernels_module", ROOT / "tests" / "test_gpu_kernels.py")
    module = importlib.util.module_from_spec(spec_of)
    spec_of.loader.exec_module(module)
    assert set(FILES) <= {str(p) for p in module.PLUGIN_FILES}
    specs = _specs()
    assert set(specs) <= set(module.SPECS)
    for name, shape_sets in module.LARGE_SHAPES.items():
        if name in specs:
            for shapes in shape_sets:
                assert expected_output_shapes(specs[name], output_shape_rule(specs[name]), shapes, {}), (name, shapes)


def _specs():
    from trtplug.loader import load_specs
    return {s.name: s for f in FILES for s in load_specs([f])}


def test_every_plugin_traces_with_float32_and_float16_variants():
    from trtplug.trace.tracer import trace
    specs = _specs()
    assert sorted(specs) == PLUGINS
    for name, spec in specs.items():
        traced = trace(spec)
        first_inputs = {combo[0] for combo in spec.combinations}
        assert {"float32", "float16"} <= first_inputs, name
        assert traced.variants and all(v.launches for v in traced.variants), name
    instance_norm = trace(specs["InstanceNorm"]).variants[0]
    assert [launch.kernel_name for launch in instance_norm.launches] == ["plane_stats_kernel",
                                                                        "normalize_elementwise"]
    assert [name for name, _ in instance_norm.workspace] == ["stats"]
    assert {combo[-1] for combo in specs["TopK"].combinations} == {"int32"}
    assert specs["RoiAlign"].combinations == (("float32", "float32", "int32", "float32"),
                                              ("float16", "float16", "int32", "float16"))


def test_output_shapes_follow_the_attributes():
    from trtplug.testing.cases import expected_output_shapes, output_shape_rule
    specs = _specs()

    def shapes(name, input_shapes, **attrs):
        spec = specs[name]
        return expected_output_shapes(spec, output_shape_rule(spec), input_shapes, attrs)

    assert shapes("ResizeBilinear", [(2, 3, 5, 7)]) == [(2, 3, 10, 14)]
    assert shapes("ResizeBilinear", [(2, 3, 5, 7)], scale=3) == [(2, 3, 15, 21)]
    assert shapes("ResizeBilinear", [(2, 3, 5, 7)], height=9, width=4) == [(2, 3, 9, 4)]
    assert shapes("RoiAlign", [(2, 8, 32, 32), (11, 4), (11,)], output_height=3, output_width=5) == [(11, 8, 3, 5)]
    assert shapes("TopK", [(6, 100)], k=7) == [(6, 7), (6, 7)]
    assert shapes("ArgMax", [(6, 100)]) == [(6, 1)]
    assert shapes("GatherElements", [(2, 5, 3, 4), (2, 9, 3, 4)]) == [(2, 9, 3, 4)]
    assert shapes("YoloDecode", [(2, 25200, 85)]) == [(2, 25200, 85)]


def test_test_ranges_bound_random_inputs():
    from trtplug.testing.cases import all_cases
    spec = _specs()["RoiAlign"]
    cases = all_cases(spec)
    batch_indices = np.concatenate([c.inputs[2] for c in cases])
    rois = np.concatenate([c.inputs[1].reshape(-1) for c in cases]).astype(np.float32)
    assert batch_indices.dtype == np.int32 and set(np.unique(batch_indices)) == {-1, 0, 1, 2}
    assert rois.min() >= -2.0 and rois.max() <= 20.0
    # Regions of an image that exists give non-zero features; the others zeros.
    case = cases[0]
    (y,) = case.references
    valid = (case.inputs[2] >= 0) & (case.inputs[2] < case.inputs[0].shape[0])
    assert valid.any() and (~valid).any()
    assert np.all(y[~valid] == 0) and np.any(y[valid] != 0)


@pytest.mark.parametrize("ranges, message", [
    ({"nope": (0, 1)}, "no input named 'nope'"),
    ({"x": (3, 1)}, r"expected \(low, high\) numbers with low < high, got \(3, 1\)"),
    ({"x": 5}, r"\['x'\]: expected \(low, high\) numbers"),
    ([("x", (0, 1))], "expected a dict"),
])
def test_bad_test_ranges_are_refused_with_the_plugin_and_input_named(ranges, message):
    import trtplug as tp

    with pytest.raises(DefinitionError, match=r"Bad\.test_ranges.*" + message):
        type("Bad", (tp.TrtPlugin,), {"inputs": [tp.Input("x")], "outputs": [tp.Output("y", like="x")],
                                      "test_ranges": ranges, "enqueue": lambda self, x, y: None})


def _headers(major):
    from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
    found = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not found:
        pytest.skip(f"no TensorRT {major} headers (see docs/tensorrt.md to fetch them)")
    return found[0]


@pytest.fixture(scope="module")
def v2_library(tmp_path_factory):
    """The ten plugins in one IPluginV2 library against TensorRT 10 headers (sm_90 cubins only)."""
    pytest.importorskip("numba.cuda", reason="numba-cuda compiles the kernels")
    from trtplug.pipeline import CompileOptions, compile_library
    headers = _headers(10)
    out = tmp_path_factory.mktemp("ready_v2")
    result = compile_library(FILES, CompileOptions(output_dir=out, library_name="ready", archs=[90],
                                                   tensorrt_include=headers.include_dir, progress=None))
    return headers, result.library


@pytest.mark.trt_headers
def test_every_plugin_runs_the_ipluginv2_lifecycle(v2_library, tmp_path):
    """The `trtplug test --cpu` suite: creator lookup, create, clone, output dims, formats, configure,
    workspace, serialize, deserialize, compare, destroy, for every dtype combination, test shape and
    test case (enqueue needs a GPU)."""
    from trtplug.loader import load_targets
    from trtplug.testing.cases import all_cases
    from trtplug.testing.harness import build_harness
    from trtplug.testing.runner import run_suite, write_suite

    headers, library = v2_library
    specs, _ = load_targets(FILES)
    count = write_suite(tmp_path / "suite", specs, library, build_harness(headers), headers.version, cpu=True)
    report = run_suite(tmp_path / "suite")
    assert report.passed, report.format()
    assert count == len(report.rows) == sum(len(all_cases(spec)) for spec in specs) > 100
    assert {row.plugin.split(" ")[0] for row in report.rows} >= set(PLUGINS)


@pytest.mark.trt_headers
def test_attributes_shape_outputs_and_bad_shapes_are_refused_by_name(v2_library):
    """Through the library's C API: list, bool and int attributes reach the shape rules, and inputs that
    break a rule get an error naming the plugin's rule and the values it read."""
    from trtplug.errors import NativeError
    from trtplug.runtime import Library

    library = Library(v2_library[1])
    assert sorted(name for name, _ in library.plugins) == PLUGINS
    assert library.instance("YoloDecode", grid=[4, 5, 2, 3, 1, 2]).output_shapes([(2, 84, 6)]) == [(2, 84, 6)]
    assert library.instance("ResizeBilinear", height=9, width=4).output_shapes([(2, 3, 5, 7)]) == [(2, 3, 9, 4)]
    assert library.instance("ResizeBilinear", scale=3).output_shapes([(2, 3, 5, 7)]) == [(2, 3, 15, 21)]
    assert library.instance("TopK", k=2).output_shapes([(4, 9)]) == [(4, 2), (4, 2)]
    refused = [
        ("YoloDecode", {"grid": [4, 5, 2, 3, 1, 2]}, [(2, 85, 6)], r"raw must have 3 \* \(h0\*w0 \+ h1\*w1 \+ h2\*w2\) "
                                                                   r"rows.*raw.shape\[1\] = 85"),
        ("ResizeBilinear", {"height": 9}, [(2, 3, 5, 7)], "set both height and width, or neither"),
        ("GatherElements", {"axis": 3}, [(2, 3, 5, 7), (2, 4, 5, 1)],
         r"indices must have x's dims on every axis but `axis`.*x.shape\[1\] = 3, indices.shape\[1\] = 4"),
        ("TopK", {"k": 9}, [(2, 3)], r"x's rows must hold at least k values.*self.k = 9"),
        ("RoiAlign", {}, [(1, 3, 8, 8), (4, 5), (4,)], r"rois must be \[R, 4\]"),
        ("InstanceNorm", {}, [(1, 3, 8, 8), (4,), (3,)], "weight must have one value per channel of x"),
    ]
    for name, attributes, shapes, message in refused:
        with pytest.raises(NativeError, match="constraint failed: " + message):
            library.instance(name, **attributes).output_shapes(shapes)


@pytest.mark.trt_headers
def test_the_gpu_runs_large_shapes_pass_the_plugins_rules(v2_library):
    """tests/test_gpu_kernels.py's LARGE_SHAPES for these plugins, through the library's native shape
    rules: a shape a rule refuses would fail on the GPU before any kernel ran."""
    import importlib.util
    from trtplug.runtime import Library

    sys.path.insert(0, str(ROOT / "tests"))
    spec_of = importlib.util.spec_from_file_location("gpu_kernels_module", ROOT / "tests" / "test_gpu_kernels.py")
    module = importlib.util.module_from_spec(spec_of)
    spec_of.loader.exec_module(module)
    library = Library(v2_library[1])
    checked = 0
    for name in PLUGINS:
        for shapes in module.LARGE_SHAPES.get(name, []):
            assert library.instance(name).output_shapes([tuple(s) for s in shapes]), (name, shapes)
            checked += 1
    assert checked >= 15
