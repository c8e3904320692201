"""`trtplug bench`: argument handling, bench suites, the harness's bench mode (CPU here), and the
whole bench on a tiny size (GPU, from a prepared suite: $TRTPLUG_BENCH_SUITE)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trtplug.bench.cases import BenchCase, plan_cases, scaled_shape_sets
from trtplug.bench.harness_bench import parse_bench_results, plan_text

ROOT = Path(__file__).resolve().parents[1]
TRTPLUG = str(Path(sys.executable).with_name("trtplug"))  # the installed command
MISH_INFO = {"name": "Mish", "version": "1", "inputs": [{"name": "x", "rank": None}],
             "outputs": [{"name": "y", "like": "x"}],
             "dtype_combinations": [["float32", "float32"], ["float16", "float16"]]}
LAYER_NORM_INFO = {"name": "LayerNorm", "version": "1",
                   "inputs": [{"name": "x", "rank": None}, {"name": "weight", "rank": 1}, {"name": "bias", "rank": 1}],
                   "outputs": [{"name": "y", "like": "x"}],
                   "dtype_combinations": [["float32"] * 4, ["float16"] * 4]}


def trtplug(*args, cwd=None):
    return subprocess.run([TRTPLUG, "bench", *map(str, args)], capture_output=True, text=True, cwd=cwd)


# -- cases ------------------------------------------------------------------------------------------
def test_elementwise_plugin_gets_three_sizes_per_dtype_combination():
    cases = plan_cases(MISH_INFO)
    assert [(c.dtypes, c.input_shapes) for c in cases] == [
        (("float32", "float32"), ((4096,),)), (("float32", "float32"), ((1 << 20,),)),
        (("float32", "float32"), ((1 << 26,),)), (("float16", "float16"), ((4096,),)),
        (("float16", "float16"), ((1 << 20,),)), (("float16", "float16"), ((1 << 26,),))]


def test_other_plugins_scale_the_batch_of_their_largest_test_shape():
    sets = scaled_shape_sets([((4, 768), (768,), (768,)), ((2, 16384), (16384,), (16384,))])
    assert sets == [((1, 16384), (16384,), (16384,)), ((64, 16384), (16384,), (16384,)),
                    ((4096, 16384), (16384,), (16384,))]
    # an input of the same rank sharing the batch dim scales with it; a broadcast one stays
    assert scaled_shape_sets([((2, 3, 4, 4), (2, 3, 4, 4))], counts=(96,)) == [((2, 3, 4, 4), (2, 3, 4, 4))]
    assert scaled_shape_sets([((2, 3, 4, 4), (1, 3, 1, 1))], counts=(480,)) == [((10, 3, 4, 4), (1, 3, 1, 1))]


def test_dtype_selects_combinations_and_names_the_ones_there_are():
    from trtplug.errors import TrtPlugError

    assert {c.dtypes for c in plan_cases(MISH_INFO, dtype="float16")} == {("float16", "float16")}
    assert {c.dtypes for c in plan_cases(MISH_INFO, dtype="float32,float32")} == {("float32", "float32")}
    with pytest.raises(TrtPlugError, match="no such dtype combination; it has: float32,float32; float16,float16"):
        plan_cases(MISH_INFO, dtype="int8")


def test_shape_count_must_match_the_inputs_and_non_elementwise_plugins_need_shapes():
    from trtplug.errors import TrtPlugError

    with pytest.raises(TrtPlugError, match=r"LayerNorm has 3 input\(s\) \(x, weight, bias\), got 1 --shape"):
        plan_cases(LAYER_NORM_INFO, shapes=[(4, 8)])
    with pytest.raises(TrtPlugError, match="not elementwise.*--shape"):
        plan_cases(LAYER_NORM_INFO)
    given = plan_cases(LAYER_NORM_INFO, shapes=[(4, 8), (8,), (8,)], dtype="float16")
    assert [c.input_shapes for c in given] == [((4, 8), (8,), (8,))]


def test_case_round_trips_through_json():
    case = plan_cases(LAYER_NORM_INFO, shapes=[(4, 8), (8,), (8,)])[0]
    assert BenchCase.from_json(json.loads(json.dumps(case.to_json()))) == case


# -- CLI errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    ([], "give the plugin files to bench, a built library, or --run DIR"),
    (["--run", "SUITE", "kernels/mish.py"], "give no FILES_OR_LIB and no --prepare"),
    (["--run", "SUITE", "--dtype", "float16"], "give --plugin, --shape and --dtype to --prepare instead"),
    (["--run", "nowhere"], "no bench.json; write a suite with `trtplug bench FILES --prepare"),
    (["a.so", "b.so"], "give either plugin files or one built library"),
    (["lib.so", "--prepare", "x"], "--prepare builds plugin files into a suite"),
    (["missing.so"], "missing.so: no such library"),
    (["lib.so", "--iterations", "0"], "expected a positive number"),
    (["lib.so", "--shape", "1,x"], "expected comma-separated dims"),
])
def test_cli_refuses_with_a_message(args, message, tmp_path):
    (tmp_path / "SUITE").mkdir()
    (tmp_path / "SUITE" / "bench.json").write_text("{}")
    (tmp_path / "lib.so").write_bytes(b"")
    proc = trtplug(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_run_refuses_a_suite_it_cannot_read(tmp_path):
    (tmp_path / "bench.json").write_text(json.dumps({"format": 1, "cases": [], "library": "gone.so"}))
    proc = trtplug("--run", tmp_path)
    assert proc.returncode == 1 and "its library" in proc.stderr and "missing" in proc.stderr
    (tmp_path / "bench.json").write_text(json.dumps({"format": 99}))
    proc = trtplug("--run", tmp_path)
    assert proc.returncode == 1 and "format 99, expected 1" in proc.stderr


def test_prepare_refuses_a_folder_that_is_not_a_suite(tmp_path):
    from trtplug.bench import suite
    from trtplug.errors import TrtPlugError

    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(TrtPlugError, match="not a trtplug bench suite"):
        suite.write(tmp_path, Path("lib.so"), None, None, [])
    assert (tmp_path / "keep.txt").read_text() == "mine"


# -- harness bench plans and results -----------------------------------------------------------------
def test_bench_plan_lists_tensors_without_files():
    case = plan_cases(LAYER_NORM_INFO, shapes=[(4, 8), (8,), (8,)], dtype="float16")[0]
    text = plan_text(Path("/x/lib.so"), [case], {case.case_id: [[4, 8]]}, namespace="ns")
    assert text.splitlines() == [
        "trtplug-plan format=2 mode=gpu", "library id=lib load=loader path=/x/lib.so",
        f"case id={case.case_id} library=lib plugin=LayerNorm version=1 namespace=ns", "input dtype=1 dims=4,8 file=",
        "input dtype=1 dims=8 file=", "input dtype=1 dims=8 file=", "output dtype=1 dims=4,8 file=", "end"]


def test_bench_results_are_read_per_case():
    timings, failures, problem = parse_bench_results(
        "trtplug-result format=2\nbench case=a iterations=10 gpu=1.5,2.5,2.0 host=3.0,4.0,5.0\n"
        "step case=b step=bench status=fail message=enqueue%20failed\nend\n")
    assert timings["a"].gpu_us == [1.5, 2.5, 2.0] and timings["a"].median == 2.0 and timings["a"].host_median == 4.0
    assert failures == {"b": "bench: enqueue failed"} and problem == ""
    assert parse_bench_results("error message=the%20bench%20mode%20needs%20a%20GPU\n")[2] == "the bench mode needs a GPU"


# -- the harness's bench mode, against the real TensorRT headers --------------------------------------
@pytest.mark.trt_headers
@pytest.mark.parametrize("major", (8, 10, 11))
def test_harness_bench_mode_builds_and_refuses_cleanly_without_a_gpu(major, tmp_path):
    from trtplug.native.tensorrt_headers import find_all_tensorrt_includes, find_cuda_include
    from trtplug.testing.harness import HARNESS_DIR, TENSORRT_DIR, build_harness

    found = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not found:
        pytest.skip(f"no TensorRT {major}.x headers")
    headers = found[0]
    warnings = subprocess.run(
        ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", f"-I{TENSORRT_DIR}", f"-I{HARNESS_DIR}",
         "-isystem", str(headers.include_dir), "-isystem", str(find_cuda_include()),
         str(HARNESS_DIR / "harness_main.cpp")], capture_output=True, text=True)
    assert warnings.returncode == 0, warnings.stderr
    harness = build_harness(headers, cache_dir=tmp_path)
    plan = tmp_path / "plan.txt"
    plan.write_text(plan_text(tmp_path / "lib.so", plan_cases(MISH_INFO, dtype="float32")[:1],
                              {"Mish-float32-float32-4096": [[4096]]}))
    usage = subprocess.run([harness, "--bench", "0", "3", plan, tmp_path / "r.txt"], capture_output=True, text=True)
    assert usage.returncode == 2 and "--bench ITERATIONS REPEATS PLAN RESULT" in usage.stderr
    if os.environ.get("CUDA_VISIBLE_DEVICES") != "" and Path("/dev/nvidiactl").exists():
        pytest.skip("a GPU is present: the bench mode runs instead of refusing")
    proc = subprocess.run([harness, "--bench", "5", "3", plan, tmp_path / "r.txt"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "the bench mode needs a GPU" in proc.stderr
    assert parse_bench_results((tmp_path / "r.txt").read_text())[2].startswith("the bench mode needs a GPU")


# -- bench suites (build here, time on a GPU machine) --------------------------------------------------
def _prepare(out: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("numba")
    return trtplug(ROOT / "kernels" / "mish.py", "--prepare", out / "suite", "-o", out / "build", "--arch", "90",
                   "--shape", "4096")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A bench suite of Mish on 4096 elements: $TRTPLUG_BENCH_SUITE, or prepared here (Numba)."""
    given = os.environ.get("TRTPLUG_BENCH_SUITE")
    if given:
        return Path(given), None
    out = tmp_path_factory.mktemp("bench")
    return out / "suite", _prepare(out)


def test_prepare_writes_a_runnable_suite(prepared):
    suite_dir, proc = prepared
    if proc is None:
        pytest.skip("suite given by $TRTPLUG_BENCH_SUITE")
    assert proc.returncode == 0, proc.stderr
    assert f"time them with: trtplug bench --run {suite_dir}" in proc.stdout
    suite = json.loads((suite_dir / "bench.json").read_text())
    assert [(c["plugin"], c["dtypes"], c["input_shapes"]) for c in suite["cases"]] == [
        ("Mish", ["float32", "float32"], [[4096]]), ("Mish", ["float16", "float16"], [[4096]])]
    for key in ("library", "ptx_library") + (("harness",) if "harness" in suite else ()):
        assert (suite_dir / suite[key]).is_file(), key
    from trtplug.runtime import Library
    assert Library(suite_dir / suite["ptx_library"]).info["archs"] == [75]  # a newer GPU JIT-compiles its PTX


@pytest.mark.gpu
def test_bench_runs_every_column_end_to_end_on_a_tiny_size(prepared, tmp_path, capsys):
    from trtplug.cli import main as cli_main  # in-process: the GPU machine runs the checkout, not an install

    suite_dir, _ = prepared
    out = tmp_path / "bench.json"
    status = cli_main(["bench", "--run", str(suite_dir), "--iterations", "2", "--repeats", "2", "--json", str(out)])
    proc = capsys.readouterr()
    assert status == 0, proc.err
    result = json.loads(out.read_text())
    assert result["environment"]["device"] and result["environment"]["trtplug"]
    for case in result["cases"]:
        assert {"c_api", "bare_launch", "copy"} <= set(case["columns"]), case["notes"]
        if json.loads((suite_dir / "bench.json").read_text()).get("harness"):
            assert "tensorrt" in case["columns"], result["notes"] + case["notes"]
        assert case["bytes"] == 2 * 4096 * (4 if case["dtypes"][0] == "float32" else 2)
    assert all(s["dlopen_to_first_enqueue_ms_cubin"] is not None for s in result["startup"])
    assert "| Mish | float32,float32 | 4096 | C API (ctypes) |" in proc.out


@pytest.mark.gpu
def test_a_case_the_plugin_refuses_is_a_row_with_its_reason(gpu_artifacts, tmp_path, capsys):
    """ScaledAdd requires b's dims to be 1 or x's: a b it cannot broadcast is refused by the plugin's own
    constraint, and the bench reports that case with the reason instead of stopping the run."""
    from gpu_artifacts import library_path
    from trtplug.cli import main as cli_main

    library = library_path(gpu_artifacts, ROOT / "kernels" / "scaled_add.py")
    out = tmp_path / "bench.json"
    status = cli_main(["bench", str(library), "--plugin", "ScaledAdd", "--dtype", "float32",
                       "--shape", "2,3,4,5", "--shape", "2,4,1,1", "--iterations", "2", "--repeats", "1",
                       "--no-baselines", "--json", str(out)])
    assert status == 0, capsys.readouterr().err
    (case,) = json.loads(out.read_text())["cases"]
    assert case["columns"] == {} and any("refused" in n and "b's C dim" in n for n in case["notes"]), case
