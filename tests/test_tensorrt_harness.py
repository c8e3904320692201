"""TensorRT adapter + lifecycle harness, against the real TensorRT headers of 8.6, 10.x and 11.x.

Each test builds the hand-written fixture plugins (tests/native_trt/fixture_plugins.cpp) with the
generated adapters for one TensorRT major, builds the harness for the same headers, and runs the
plugin lifecycle on the CPU (enqueue is skipped without a GPU, and run with one).
"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from trtplug.errors import LoadError
from trtplug.testing.harness import (PlanCase, PluginField, check_library_for, format_table,
                                     library_tensorrt_version, read_results, run_plan, write_harness_plan,
                                     write_plan)

from native_trt.build_fixture import build_fixture_library, build_workspace_check
from native_trt.fixture_cases import FixtureBuilds, by_id, damaged_blob_cases, pair_case, reject_case, scale_case

pytestmark = pytest.mark.trt_headers

MAJORS = (8, 10, 11)
EXPECTED_EXPORTS = {
    8: {"getPluginCreators", "setLoggerFinder", "trtplug_tensorrt_version"},
    10: {"getCreators", "setLoggerFinder", "trtplug_tensorrt_version"},
    11: {"getCreators", "setLoggerFinder", "trtplug_tensorrt_version"},
}


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("trt_fixture")


@pytest.fixture(scope="session")
def built(work):
    """built(major, namespace="", tag="") -> (headers, library, harness), built on first use."""
    builds = FixtureBuilds(work, harness_cache=work / "harness")
    return lambda major, namespace="", tag="": builds(major, namespace=namespace, tag=tag)


@pytest.mark.parametrize("major", MAJORS)
def test_cpu_lifecycle_every_plugin_dtype_and_shape(built, major, tmp_path):
    headers, library, harness = built(major)
    cases = []
    for dtype in ("float32", "float16"):
        for shape in [(7,), (2, 3, 5), (4, 1, 9, 2)]:
            cases.append(scale_case(f"scale_{dtype}_{len(shape)}d", dtype, shape,
                                    fields=[PluginField.from_value("alpha", 0.5),
                                            PluginField.from_value("tag", "layer one")]))
        for a, b, count, block in [((2, 3), (2, 5), 1, 4), ((5, 4), (5, 1), 3, 7)]:
            cases.append(pair_case(f"pair_{dtype}_{a[0]}x{a[1]}", dtype, a, b, count=count, block=block))
    cases.append(scale_case("scale_null_fields", "float32", (3, 2), fields=None))
    cases.append(pair_case("pair_defaults", "float32", (2, 3), (2, 5), fields=[]))
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.tensorrt == headers.version
    assert not report.gpu and "CPU lifecycle only" in report.device
    assert report.libraries == {"lib": (True, f"TensorRT {headers.version} library; loadLibrary registered 2 creator(s)")}
    assert report.passed, format_table(report)
    for r in report:
        assert [s.name for s in r.steps] == ["lookup", "create", "clone", "output-dims", "output-dims-dynamic",
                                             "output-types", "formats", "configure", "workspace", "enqueue",
                                             "serialize", "deserialize", "compare", "destroy"], r.case_id
        assert r.step("enqueue").status == "skip"
    results = by_id(report)
    # numel(x) float32 values of workspace; the batch dimension flows through the symbolic shapes.
    assert results["scale_float32_3d"].step("workspace").message == f"{4 * 2 * 3 * 5} bytes"
    assert results["scale_float16_1d"].step("output-dims-dynamic").message.endswith("0[0]")
    assert results["pair_float32_5x4"].step("output-dims").message == "(5, 7) (3,)"
    assert results["pair_float32_5x4"].step("output-dims-dynamic").message.endswith("0[0], 1[0]")
    assert "position 0 accepts: float32, float16" in results["pair_float16_2x3"].step("formats").message
    assert "alpha(kFLOAT32 x1) count(kINT32 x1) tag(kCHAR x16)" in results["scale_null_fields"].step("lookup").message
    table = format_table(report)
    assert "not run (no GPU)" in table and "every step but enqueue ran" in table


@pytest.mark.parametrize("major", MAJORS)
def test_exported_symbols_are_entry_points_only(built, major):
    _, library, _ = built(major)
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, encoding="utf-8", errors="replace", check=True)
    names = {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}
    tensorrt = {n for n in names if not n.startswith("trtplug_") or n == "trtplug_tensorrt_version"}
    assert tensorrt == EXPECTED_EXPORTS[major]
    assert all(n.startswith("trtplug_") for n in names - tensorrt), names
    assert not any(n.startswith("_Z") for n in names)
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(library)], capture_output=True, text=True, encoding="utf-8", errors="replace",
                               check=True).stdout
    assert " w getPluginRegistry" in undefined  # weak: the library loads without libnvinfer
    unique = subprocess.run(["readelf", "--dyn-syms", "-W", str(library)], capture_output=True, text=True, encoding="utf-8", errors="replace").stdout
    assert "UNIQUE" not in unique  # STB_GNU_UNIQUE symbols would make dlclose a no-op


@pytest.mark.parametrize("major", MAJORS)
def test_library_records_its_tensorrt_version(built, major):
    headers, library, _ = built(major)
    assert library_tensorrt_version(library) == headers.version_tuple
    assert check_library_for(library, headers) == headers.version_tuple


@pytest.mark.parametrize("major", MAJORS)
def test_bad_fields_blobs_and_types_are_rejected_with_a_message(built, major, tmp_path):
    _, library, harness = built(major)
    good = scale_case("good", "float32", (2, 3), save_blob="scale.blob")
    write_plan(tmp_path, [good, pair_case("pair_good", "float32", (2, 3), (2, 5), save_blob="pair.blob")],
               mode="cpu")
    first = run_plan(library, tmp_path, harness=harness)
    assert first.passed, format_table(first)
    reject = reject_case
    cases = [
        reject("alpha_range", "create-fail", "alpha", fields=[PluginField.from_value("alpha", 5000.0)]),
        reject("count_range", "create-fail", "count", fields=[PluginField.from_value("count", 0)]),
        reject("alpha_as_int", "create-fail", "alpha", fields=[PluginField.from_value("alpha", 2)]),
        reject("unknown_field", "create-fail", "bogus", fields=[PluginField.from_value("bogus", 1)]),
        reject("tag_too_long", "create-fail", "tag", fields=[PluginField.from_value("tag", "x" * 40)]),
        reject("dims_field", "create-fail", "kDIMS", fields=[PluginField("alpha", 7, b"\0" * 36, 1)]),
        reject("no_data", "create-fail", "no data", fields=[PluginField("alpha", 1, b"", 1)]),
        reject("weights_length", "create-fail", "weights", plugin="TpPair", version="2",
               fields=[PluginField.from_value("weights", [0.1, 0.2, 0.3])]),
        *damaged_blob_cases(tmp_path, "scale.blob", "pair.blob"),
        reject("wrong_version", "lookup-fail", "", version="7"),
        reject("wrong_namespace", "lookup-fail", "", namespace="elsewhere"),
        reject("int8_input", "types-rejected", "no variant for the data types (int8 -> int8)",
               inputs=[np.zeros((2, 3), np.int8)], outputs=[("int8", (2, 3))]),
        reject("mixed_types", "types-rejected", "no variant", plugin="TpPair", version="2",
               inputs=[np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float16)],
               outputs=[("float32", (2, 6)), ("int32", (2,))]),
    ]
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    results = by_id(report)
    assert report.passed, format_table(report)
    assert set(results) == {c.case_id for c in cases}
    logged = {cid: " ".join(r.logs) for cid, r in results.items()}
    assert "attribute 'alpha'" in logged["alpha_range"] and "5000" in logged["alpha_range"]
    assert "layer 'layer_dims_field'" in logged["dims_field"]
    assert "supported: float32 -> float32; float16 -> float16" in logged["int8_input"]
    assert "no creator for plugin 'TpScale' version '7'" in results["wrong_version"].step("lookup").message
    for r in report:
        assert all(line.startswith("[trtplug] ") for line in r.logs), r.logs


def test_expectation_that_does_not_happen_fails_the_case(built, tmp_path):
    _, library, harness = built(10)
    case = scale_case("accepts_good_field", "float32", (2, 3), fields=[PluginField.from_value("alpha", 2.0)],
                      expect="create-fail", expect_message="alpha")
    write_plan(tmp_path, [case], mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    assert not report.passed
    assert "accepted what it should have rejected" in report[0].message


@pytest.mark.parametrize("major", MAJORS)
def test_two_namespaces_side_by_side(built, major, tmp_path):
    _, lib_a, harness = built(major, "team.a", f"trt{major}_a")
    _, lib_b, _ = built(major, "team.b", f"trt{major}_b")
    cases = [scale_case("in_a", "float32", (2, 3), namespace="team.a", library="a"),
             scale_case("in_b", "float16", (4,), namespace="team.b", library="b"),
             PlanCase("default_ns", "TpScale", "1", library="a", expect="lookup-fail")]
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan({"a": lib_a, "b": lib_b}, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    assert set(report.libraries) == {"a", "b"} and all(ok for ok, _ in report.libraries.values())
    assert "namespace 'team.a'" in by_id(report)["default_ns"].step("lookup").message
    assert "namespace 'team.b'" in by_id(report)["default_ns"].step("lookup").message


@pytest.mark.parametrize("major", MAJORS)
def test_static_registration_and_unload(built, major, tmp_path):
    """Plain dlopen (trtexec --plugins, DeepStream): creators register at load and leave at dlclose."""
    _, library, harness = built(major)
    write_plan(tmp_path, [scale_case("static", "float32", (3,))], mode="cpu", load="static")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    assert report.libraries["lib"] == (True, f"TensorRT {report.tensorrt} library; static registration at load "
                                             "registered 2 creator(s)")
    assert report.unloads["lib"] == (True, "")


def test_same_library_twice_in_one_namespace_is_refused(built, work, tmp_path):
    headers, library, harness = built(10)
    copy = build_fixture_library(headers, work, tag="trt10_copy")
    write_plan(tmp_path, [scale_case("first", "float32", (3,), library="one")], mode="cpu")
    report = run_plan({"one": library, "two": copy}, tmp_path, harness=harness)
    assert report.libraries["one"][0]
    ok, message = report.libraries["two"]
    assert not ok and "'TpScale' version '1' in namespace '' is already registered" in message
    assert report[0].passed


@pytest.mark.parametrize("library_major,harness_major", [(10, 8), (8, 11), (11, 10)])
def test_library_for_another_major_is_refused(built, library_major, harness_major, tmp_path):
    lib_headers, library, _ = built(library_major)
    headers, _, harness = built(harness_major)
    with pytest.raises(LoadError, match=f"built for TensorRT {lib_headers.version}"):
        check_library_for(library, headers)
    write_plan(tmp_path, [scale_case("refused", "float32", (3,))], mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    ok, message = report.libraries["lib"]
    assert not ok
    assert f"built for TensorRT {lib_headers.version}, but this harness runs TensorRT {headers.version}" in message
    assert not report[0].passed and "did not load" in report[0].message
    assert report.returncode == 1 and not report.problem  # refused cleanly, no crash


def test_plan_prepared_beforehand_runs_with_the_bare_harness(built, tmp_path):
    """The flow for a target machine without trtplug: plan + harness binary + library, then read the results."""
    _, library, harness = built(11)
    x = np.ones((2, 3), np.float32)
    write_plan(tmp_path / "plan", [PlanCase("bare", "TpScale", "1", inputs=[x], outputs=[("float32", (2, 3))])],
               mode="cpu")
    (tmp_path / "lib.so").write_bytes(library.read_bytes())
    plan = write_harness_plan(tmp_path / "plan", {"lib": "lib.so"})  # relative to where the harness runs
    proc = subprocess.run([str(harness), str(plan), str(tmp_path / "plan" / "result.txt")], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    report = read_results(tmp_path / "plan")
    assert report.passed and report[0].step("enqueue").status == "skip", format_table(report)


def test_not_a_trtplug_library_is_refused(built, tmp_path):
    _, _, harness = built(10)
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"\x7fELF not really")
    write_plan(tmp_path, [scale_case("x", "float32", (3,))], mode="cpu")
    report = run_plan(fake, tmp_path, harness=harness)
    assert "records no TensorRT version" in report.libraries["lib"][1]
    assert library_tensorrt_version(fake) is None


@pytest.mark.parametrize("major", MAJORS)
def test_enqueue_holds_the_workspace_to_what_configure_sized(built, work, major):
    """TensorRT allocates getWorkspaceSize at the max shapes configurePlugin saw; enqueue must check
    the workspace its own shapes need against that, not against a size recomputed from them."""
    headers, library, _ = built(major)
    check = build_workspace_check(headers, work)

    def run(max_rows, rows):
        proc = subprocess.run([str(check), str(library), str(max_rows), str(rows)], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split(), proc.stderr

    # (4, 3) float32 values need 48 bytes; only 24 were allocated for the max shape (2, 3).
    out, err = run(2, 4)
    assert out == ["workspace", "24", "enqueue", "1"], (out, err)
    assert ("[trtplug] TpScale: enqueue: the workspace needs 48 bytes for these input shapes, but TensorRT "
            "allocated 24 (the size for the max input shapes given to configurePlugin)") in err
    # Within the max shapes the workspace is accepted; without a GPU the driver is what fails then.
    out, err = run(4, 2)
    assert out[:2] == ["workspace", "48"], (out, err)
    assert "workspace" not in err
    assert out[3] == "0" or "cannot load the CUDA driver" in err, (out, err)


@pytest.mark.gpu
@pytest.mark.parametrize("major", MAJORS)
def test_gpu_enqueue_path(built, major, tmp_path):
    """The fixture has no kernels: enqueue launches nothing, so outputs keep the harness's 0xFF fill."""
    _, library, harness = built(major)
    write_plan(tmp_path, [scale_case("gpu", "float32", (2, 3)), pair_case("gpu_pair", "float16", (2, 3), (2, 5))],
               mode="gpu")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.gpu and report.passed, format_table(report)
    for r in report:
        assert r.enqueued and r.step("enqueue").message.startswith("ran on ")
    out = np.fromfile(tmp_path / "gpu.out0.bin", dtype=np.uint8)
    assert out.size == 2 * 3 * 4 and (out == 0xFF).all()
