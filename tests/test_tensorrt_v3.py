"""The IPluginV3 adapter (`--interface v3`) against the real TensorRT 10.x and 11.x headers.

The hand-written fixture plugins (tests/native_trt/fixture_plugins.cpp) are built with the V3
adapter once per major and driven through the harness's V3 lifecycle on the CPU: the build phase
(capabilities, shapes, types, formats, configure, workspace, tactics, getFieldsToSerialize) and
the runtime phase (createPlugin from the stored fields, attachToContext, onShapeChange). Every
plugin of kernels/ is compiled into one V3 library per major with -Werror and run the same way.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from trtplug.native import compiler
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
from trtplug.commands.inspect import describe
from trtplug.errors import BuildError, DefinitionError, NativeError
from trtplug.runtime import Library
from trtplug.tensorrt_interface import interface_sources, check_interface, library_interface
from trtplug.testing.harness import PlanCase, PluginField, build_harness, format_table, run_plan, write_plan

from native_trt.fixture_cases import (FixtureBuilds, by_id, damaged_blob_cases, headers_for, pair_case, reject_case,
                                     scale_case)

pytestmark = pytest.mark.trt_headers

ROOT = Path(__file__).resolve().parents[1]
KERNELS = sorted(str(p) for p in (ROOT / "kernels").glob("*.py")) + sorted(str(p) for p in (ROOT / "kernels" / "v3").glob("*.py"))
V3_MAJORS = (10, 11)
V3_STEPS = ["lookup", "create", "capabilities", "clone", "output-dims", "output-dims-dynamic", "output-types",
            "formats", "configure", "workspace", "tactics", "serialize", "deserialize", "attach", "shape-change",
            "enqueue", "compare", "destroy"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("trt_v3")


@pytest.fixture(scope="module")
def built(work):
    """built(major, interface="v3", tag="") -> (headers, library, harness), built on first use."""
    builds = FixtureBuilds(work)
    return lambda major, interface="v3", tag="": builds(major, interface=interface,
                                                        tag=tag or f"trt{major}_{interface}")


@pytest.mark.parametrize("major", V3_MAJORS)
def test_v3_cpu_lifecycle_every_plugin_dtype_and_shape(built, major, tmp_path):
    headers, library, harness = built(major)
    cases = []
    for dtype in ("float32", "float16"):
        for shape in [(7,), (2, 3, 5)]:
            cases.append(scale_case(f"scale_{dtype}_{len(shape)}d", dtype, shape,
                                    fields=[PluginField.from_value("alpha", 0.5),
                                            PluginField.from_value("tag", "layer one")]))
        cases.append(pair_case(f"pair_{dtype}", dtype, (5, 4), (5, 1), count=3, block=7))
    cases.append(scale_case("scale_null_fields", fields=None))
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    assert report.libraries["lib"] == (True, f"TensorRT {headers.version} library; loadLibrary registered 2 creator(s)")
    for r in report:
        assert [s.name for s in r.steps] == V3_STEPS, r.case_id
        assert r.step("enqueue").status == "skip"
        assert all(line.startswith("[trtplug] ") for line in r.logs), r.logs
    results = by_id(report)
    assert results["scale_float32_3d"].step("capabilities").message == "core, build (version 1), runtime"
    assert "alpha(kFLOAT32 x1) count(kINT32 x1) tag(kCHAR x16)" in results["scale_null_fields"].step("lookup").message
    assert results["scale_float32_3d"].step("workspace").message == f"{4 * 2 * 3 * 5} bytes"
    assert results["pair_float32"].step("output-dims").message == "(5, 7) (3,)"
    assert results["pair_float32"].step("output-dims-dynamic").message.endswith("0[0], 1[0]")
    assert results["pair_float16"].step("tactics").message.startswith("0 custom tactic(s); chose 0; timing cache id "
                                                                      "TpPair/2/")
    assert results["scale_float16_1d"].step("serialize").message.startswith("1 field(s), ")


@pytest.mark.parametrize("major", V3_MAJORS)
def test_v3_library_exports_the_loader_entry_points_only(built, major):
    _, library, _ = built(major)
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True)
    names = {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}
    assert {n for n in names if not n.startswith("trtplug_")} == {"getCreators", "setLoggerFinder"}
    assert "trtplug_tensorrt_version" in names and not any(n.startswith("_Z") for n in names)


def test_serialized_fields_round_trip_and_bad_ones_are_refused_with_one_line(built, tmp_path):
    _, library, harness = built(11)
    write_plan(tmp_path, [scale_case("good", fields=[PluginField.from_value("alpha", -2.5)], save_blob="scale.fields"),
                          pair_case("pair_good", "float32", (2, 3), (2, 5), save_blob="pair.fields")], mode="cpu")
    first = run_plan(library, tmp_path, harness=harness)
    assert first.passed, format_table(first)
    blob = (tmp_path / "scale.fields").read_bytes()
    reject = reject_case
    serialized = PluginField("trtplug_serialized", 8, blob, len(blob))  # kUNKNOWN
    cases = [
        scale_case("restored", deserialize_from="scale.fields"),  # the round trip: runtime phase, then the rest
        *damaged_blob_cases(tmp_path, "scale.fields", "pair.fields"),
        reject("attributes_at_runtime", "deserialize-fail", "no field 'trtplug_serialized'", phase="runtime",
               fields=[PluginField.from_value("alpha", 1.0)]),
        reject("typed_blob", "deserialize-fail", "expected kUNKNOWN", phase="runtime",
               fields=[PluginField("trtplug_serialized", 3, blob, len(blob))]),
        reject("blob_and_more", "deserialize-fail", "comes with 1 other field(s)", phase="runtime",
               fields=[serialized, PluginField.from_value("alpha", 1.0)]),
        reject("alpha_range", "create-fail", "alpha", fields=[PluginField.from_value("alpha", 5000.0)]),
        reject("unknown_field", "create-fail", "bogus", fields=[PluginField.from_value("bogus", 1)]),
        reject("int8_input", "types-rejected", "no variant for the data types (int8 -> int8)",
               inputs=[np.zeros((2, 3), np.int8)], outputs=[("int8", (2, 3))]),
    ]
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    results = by_id(report)
    assert [s.name for s in results["restored"].steps] == V3_STEPS
    assert results["restored"].step("create").message == "createPlugin(kRUNTIME) made the plugin"
    logged = {cid: " ".join(r.logs) for cid, r in results.items()}
    assert "createPlugin(layer 'layer_truncated', runtime phase): field 'trtplug_serialized'" in logged["truncated"]
    assert "attribute 'alpha'" in logged["alpha_range"] and "build phase" in logged["alpha_range"]
    for cid in ("corrupt", "truncated", "garbage", "wrong_format_version", "other_plugin", "typed_blob"):
        assert results[cid].step("create").message == "createPlugin(kRUNTIME) rejected it as expected", cid
        assert len(results[cid].logs) == 1, results[cid].logs


def test_static_registration_and_unload(built, tmp_path):
    """Plain dlopen (trtexec --plugins, DeepStream): V3 creators register at load and leave at dlclose."""
    _, library, harness = built(10)
    write_plan(tmp_path, [scale_case("static")], mode="cpu", load="static")
    report = run_plan(library, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    assert report.libraries["lib"][1].endswith("static registration at load registered 2 creator(s)")
    assert report.unloads["lib"] == (True, "")


def test_v2_and_v3_of_one_plugin_cannot_share_a_namespace(built, tmp_path):
    """TensorRT finds a creator by name, version and namespace: one library interface per plugin."""
    _, v2_library, harness = built(10, "v2")
    _, v3_library, _ = built(10, "v3")
    write_plan(tmp_path, [scale_case("through_v2", library="v2")], mode="cpu")
    report = run_plan({"v2": v2_library, "v3": v3_library}, tmp_path, harness=harness)
    assert report[0].passed and report[0].step("clone") is not None and report[0].step("capabilities") is None
    ok, message = report.libraries["v3"]
    assert not ok and "'TpScale' version '1' in namespace '' is already registered" in message


def test_interface_choice_and_what_needs_tensorrt_10(tmp_path):
    assert {p.name for p in interface_sources("v3")} == {"trtplug_trt_common.cpp", "trtplug_trt_v3_creator.cpp",
                                                       "trtplug_trt_v3_library.cpp", "trtplug_trt_v3_plugin.cpp"}
    assert not any(p.name.startswith("trtplug_trt_v3_") for p in interface_sources("v2"))
    with pytest.raises(DefinitionError, match="expected one of v2, v3"):
        check_interface("v4")
    old = [h for h in find_all_tensorrt_includes() if h.major == 8]
    if old:
        with pytest.raises(BuildError, match=r"--interface v3 needs TensorRT 10 or newer, but the headers in .* are "
                                              r"TensorRT 8\.6\.1"):
            check_interface("v3", old[0])
    assert library_interface({"tensorrt": "10.16.0"}) == "v2"  # built before the choice existed
    assert library_interface({"tensorrt": None, "tensorrt_interface": None}) is None


# -------------------------------------------------------------- every ready plugin, as v3
@pytest.fixture(scope="module")
def kernels_v3(work):
    """kernels/*.py and kernels/v3/*.py in one IPluginV3 library per major, built with -Werror (sm_90 cubins only)."""
    from trtplug.pipeline import CompileOptions, compile_library

    cache = {}

    def get(major: int):
        if major not in cache:
            headers = headers_for(major)
            strict = pytest.MonkeyPatch()
            strict.setattr(compiler, "WARNING_FLAGS", (*compiler.WARNING_FLAGS, "-Werror"))
            try:
                options = CompileOptions(output_dir=work / f"kernels_v3_trt{major}", library_name="kernels_v3",
                                         archs=[90], tensorrt_include=headers.include_dir, interface="v3",
                                         progress=None)
                cache[major] = (headers, compile_library(KERNELS, options))
            finally:
                strict.undo()
        return cache[major]

    return get


@pytest.mark.parametrize("major", V3_MAJORS)
def test_every_kernel_builds_as_v3_and_runs_the_v3_lifecycle(kernels_v3, major, tmp_path):
    from trtplug.loader import load_targets
    from trtplug.testing.runner import run_suite, write_suite

    headers, result = kernels_v3(major)
    library = Library(result.library)
    assert library.info["tensorrt_interface"] == "v3" and library.info["tensorrt"] == headers.version
    lines = describe(str(result.library), library.info)
    assert "  TensorRT plugin interface: IPluginV3 + IPluginCreatorV3One (v3)" in lines
    specs, _ = load_targets(KERNELS)
    write_suite(tmp_path / "suite", specs, result.library, build_harness(headers), headers.version, cpu=True,
                self_contained=False, tactics=True)
    report = run_suite(tmp_path / "suite")
    assert report.passed, report.format()
    assert len(report.rows) >= 2 * len(KERNELS)
    tactic_rows = [r for r in report.rows if r.plugin.startswith("HardSwish")]
    assert {r.label.rsplit(" tactic=", 1)[-1] for r in tactic_rows} == {"block256", "block128", "block512"}


@pytest.mark.parametrize("major", V3_MAJORS)
def test_tactics_are_offered_chosen_stored_with_the_engine_and_checked_when_restored(kernels_v3, major, tmp_path):
    """HardSwish declares three tactics: TensorRT ids 1..3, 0 its default. The builder's choice is
    stored beside the attributes, survives the runtime phase, and an id the plugin does not offer
    is refused with one line naming the plugin and the value."""
    _, result = kernels_v3(major)
    harness = build_harness(headers_for(major))
    x = np.linspace(-4, 4, 30, dtype=np.float32).reshape(2, 15)

    def swish(cid, **kw):
        return PlanCase(cid, "HardSwish", "1", inputs=[x], outputs=[("float32", x.shape)], **kw)

    write_plan(tmp_path, [swish("chose_3", tactic=3, save_blob="swish.fields"), swish("default")], mode="cpu")
    first = run_plan(result.library, tmp_path, harness=harness)
    assert first.passed, format_table(first)
    results = by_id(first)
    assert [s.name for s in results["chose_3"].steps] == V3_STEPS
    assert results["chose_3"].step("tactics").message.startswith("3 custom tactic(s) (1, 2, 3); chose 3; timing "
                                                                 "cache id HardSwish/1/")
    assert results["default"].step("tactics").message.startswith("3 custom tactic(s) (1, 2, 3); chose 0;")
    assert results["chose_3"].step("serialize").message.startswith("2 field(s), ")

    blob = (tmp_path / "swish.fields").read_bytes()
    serialized = PluginField("trtplug_serialized", 8, blob, len(blob))  # kUNKNOWN

    def restored(cid, *fields, **kw):
        return swish(cid, phase="runtime", fields=[serialized, *fields], **kw)

    cases = [
        restored("stored_tactic_2", PluginField.typed("trtplug_tactic", 5, [2])),  # kINT32
        restored("unknown_tactic", PluginField.typed("trtplug_tactic", 5, [9]), expect="deserialize-fail",
                 expect_message="field 'trtplug_tactic' holds tactic 9, which the plugin does not offer (it accepts "
                                "0 (default), 1 (block256), 2 (block128), 3 (block512))"),
        restored("float_tactic", PluginField.typed("trtplug_tactic", 1, [2.0]), expect="deserialize-fail",
                 expect_message="expected one kINT32"),
        swish("tactic_alone", phase="runtime", fields=[PluginField.typed("trtplug_tactic", 5, [1])],
              expect="deserialize-fail", expect_message="comes without field 'trtplug_serialized'"),
    ]
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(result.library, tmp_path, harness=harness)
    assert report.passed, format_table(report)
    results = by_id(report)
    assert [s.name for s in results["stored_tactic_2"].steps] == V3_STEPS
    for cid in ("unknown_tactic", "float_tactic", "tactic_alone"):
        assert results[cid].step("create").message == "createPlugin(kRUNTIME) rejected it as expected", cid
        assert len(results[cid].logs) == 1 and results[cid].logs[0].startswith("[trtplug] HardSwish: createPlugin("), \
            results[cid].logs


def test_the_c_api_runs_the_first_tactic_unless_an_instance_chooses_another(kernels_v3):
    _, result = kernels_v3(11)
    library = Library(result.library)
    assert library.tactics("HardSwish") == ["block256", "block128", "block512"]
    assert library.tactics("Mish") == ["default"]
    lines = describe(str(result.library), library.info, tactics={"HardSwish": library.tactics("HardSwish")})
    assert "    tactics block256 (default; the one IPluginV2 runs), block128, block512" in lines
    instance = library.instance("HardSwish")
    instance.set_tactic(2)
    with pytest.raises(NativeError, match=r"tactic 3 out of range: plugin 'HardSwish' has 3 tactic\(s\)"):
        instance.set_tactic(3)


@pytest.mark.parametrize("major", V3_MAJORS)
def test_data_dependent_outputs_are_declared_as_size_tensors(kernels_v3, major, tmp_path):
    from trtplug.loader import load_targets
    from trtplug.testing.plan import plan_cases
    from trtplug.testing.cases import all_cases

    headers, result = kernels_v3(major)
    specs, _ = load_targets([str(ROOT / "kernels" / "v3" / "keep_above_threshold.py")])
    cases = plan_cases(specs[0], all_cases(specs[0]))
    write_plan(tmp_path, cases, mode="cpu")
    report = run_plan(result.library, tmp_path, harness=build_harness(headers))
    assert report.passed, format_table(report)
    dims = report[0].step("output-dims").message
    assert dims == "(1, 4) (1,) () size tensor 2", dims  # the kept rows' upper bound, then the size tensor
