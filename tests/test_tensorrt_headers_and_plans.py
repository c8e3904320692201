"""TensorRT header discovery and harness plan/result handling that need no headers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trtplug.native import tensorrt_headers as th
from trtplug.errors import HeadersNotFoundError
from trtplug.testing.harness import (FieldType, PlanCase, PluginField, format_table, library_tensorrt_version,
                                     parse_results, plan_cases, read_plan, write_plan)


# ------------------------------------------------------------------------------------ headers
def fake_headers(root: Path, version_h: str) -> Path:
    inc = root / "include"
    inc.mkdir(parents=True)
    for name in ("NvInfer.h", "NvInferRuntime.h"):
        (inc / name).write_text("// fake\n")
    (inc / "NvInferVersion.h").write_text(version_h)
    return inc


V8 = "#ifndef NV_INFER_VERSION_H\n#define NV_INFER_VERSION_H\n\n#define NV_TENSORRT_MAJOR 8 //!< major\n" \
     "#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1\n#endif\n"
V10 = "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 16\n#define TRT_PATCH_ENTERPRISE 0\n" \
      "#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE //!< major\n#define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n" \
      "#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n"
V7 = "#define NV_TENSORRT_MAJOR 7\n#define NV_TENSORRT_MINOR 2\n#define NV_TENSORRT_PATCH 1\n"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("TRTPLUG_TENSORRT_INCLUDE", "TENSORRT_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TRTPLUG_CACHE_DIR", str(tmp_path / "cache"))
    return monkeypatch


def test_version_is_read_from_both_macro_styles(tmp_path):
    assert th.read_tensorrt_version(fake_headers(tmp_path / "a", V8)) == (8, 6, 1)
    assert th.read_tensorrt_version(fake_headers(tmp_path / "b", V10)) == (10, 16, 0)
    assert th.read_tensorrt_version(tmp_path / "nowhere") is None


def test_explicit_path_wins_and_env_var_is_used(clean_env, tmp_path):
    inc8 = fake_headers(tmp_path / "t8", V8)
    inc10 = fake_headers(tmp_path / "t10", V10)
    clean_env.setenv("TRTPLUG_TENSORRT_INCLUDE", str(inc10))
    assert th.find_tensorrt_include(inc8) == th.TensorRTHeaders(inc8.resolve(), 8, 6, 1)
    assert th.find_tensorrt_include().major == 10


def test_cache_folder_newest_first(clean_env, tmp_path):
    cache = tmp_path / "cache" / "tensorrt"
    fake_headers(cache / "8.6.1", V8)
    fake_headers(cache / "10.16", V10)
    fake_headers(cache / "7.2.1", V7)
    if any(th._complete(Path(p)) for p in ("/usr/include/x86_64-linux-gnu", "/usr/local/tensorrt/include",
                                            "/usr/src/tensorrt/include")):
        pytest.skip("a system TensorRT install takes precedence over the cache")
    assert th.find_tensorrt_include().version == "10.16.0"
    assert [h.major for h in th.find_all_tensorrt_includes()] == [10, 8]


def test_unsupported_or_missing_headers_say_where_they_looked(clean_env, tmp_path):
    inc7 = fake_headers(tmp_path / "t7", V7)
    with pytest.raises(HeadersNotFoundError, match=r"TensorRT 7\.2\.1, but trtplug supports 8\.6"):
        th.find_tensorrt_include(inc7)
    with pytest.raises(HeadersNotFoundError) as info:
        th.find_tensorrt_include(tmp_path / "missing")
    assert f"{tmp_path / 'missing'} (explicit path): no NvInfer.h" in str(info.value)
    assert "--tensorrt-include" in str(info.value)


def test_cuda_include_comes_from_the_wheels(tmp_path, monkeypatch):
    monkeypatch.delenv("TRTPLUG_CUDA_INCLUDE", raising=False)
    if th._nvidia_package_dirs():
        found = th.find_cuda_include()
        assert (found / "cuda_runtime_api.h").is_file() and (found / "crt" / "host_defines.h").is_file()
    monkeypatch.setattr(th, "_nvidia_package_dirs", lambda: [])
    with pytest.raises(HeadersNotFoundError) as info:
        th.find_cuda_include(tmp_path)
    assert f"{tmp_path} (explicit path): missing cuda_runtime_api.h, crt/host_defines.h" in str(info.value)
    assert "pip install 'nvidia-cuda-runtime==13.5.*' 'nvidia-cuda-crt==13.5.*'" in str(info.value)


# ------------------------------------------------------------------------------- plans/results
def test_plugin_fields_match_what_onnx_importers_pass():
    assert PluginField.from_value("a", 1.5) == PluginField("a", FieldType.FLOAT32, np.float32(1.5).tobytes(), 1)
    assert PluginField.from_value("b", True).data == np.int32(1).tobytes()
    assert PluginField.from_value("c", [1, 2, 3]).length == 3
    assert PluginField.from_value("d", [1, 2.5]).type == FieldType.FLOAT32
    assert PluginField.from_value("e", "héllo") == PluginField("e", FieldType.CHAR, "héllo".encode(), 6)
    assert PluginField.typed("f", FieldType.INT64, [7]).data == (7).to_bytes(8, "little")
    with pytest.raises(TypeError, match="field 'g'"):
        PluginField.from_value("g", object())


def test_write_plan_stores_inputs_references_and_labels(tmp_path):
    x = np.arange(6, dtype=np.float16).reshape(2, 3)
    write_plan(tmp_path, [PlanCase("c0", "Mish", "1", inputs=[x], references=[x * 2], atol=0.1)])
    data = read_plan(tmp_path)
    [case] = data["cases"]
    assert case["label"] == "float16[2,3] -> float16[2,3]"
    assert (tmp_path / "c0.in0.bin").read_bytes() == x.tobytes()
    assert np.array_equal(np.load(tmp_path / "c0.ref0.npy"), x * 2)
    assert case["atol"] == [0.1]
    with pytest.raises(ValueError, match="used twice"):
        write_plan(tmp_path, [PlanCase("c0", "A", "1", expect="lookup-fail"),
                              PlanCase("c0", "B", "1", expect="lookup-fail")])
    with pytest.raises(ValueError, match="float64, which has no TensorRT DataType"):
        write_plan(tmp_path, [PlanCase("c1", "A", "1", inputs=[np.zeros(2)], outputs=[("float32", (2,))])])


def manifest_for(*ids):
    return {"cases": [{"id": i, "plugin": "P", "version": "1", "label": "l", "expect": None, "outputs": []}
                      for i in ids]}


def test_results_of_a_crashed_harness_name_the_step():
    text = ("trtplug-result format=2\nharness tensorrt=10.16.0\ndevice kind=cpu name=no%20GPU\n"
            "library id=lib status=ok message=fine\nbegin case=a step=lookup\nstep case=a step=lookup status=ok message=\n"
            "case id=a status=pass\nbegin case=b step=lookup\nstep case=b step=lookup status=ok message=\n"
            "begin case=b step=create\n")
    report = parse_results(text, manifest_for("a", "b", "c"), returncode=-11, stderr="boom")
    assert report.problem.startswith("the harness crashed (SIGSEGV) in step 'create' of case b")
    assert [r.status for r in report] == ["pass", "fail", "fail"]
    assert report[2].message.startswith("not run: the harness crashed")
    assert not report.passed
    assert "the harness crashed (SIGSEGV)" in format_table(report)


def test_results_of_a_timeout_and_of_a_bad_plan():
    assert parse_results("", manifest_for("a"), returncode=None, timeout=5).problem.startswith(
        "the harness did not finish within 5 s")
    bad = parse_results("trtplug-result format=2\nerror message=plan.txt:3:%20unknown%20record\n", manifest_for("a"), returncode=2)
    assert bad.problem == "plan.txt:3: unknown record"


def test_library_version_marker_is_read_without_loading(tmp_path):
    lib = tmp_path / "lib.so"
    lib.write_bytes(b"\x7fELF....TRTPLUG_TENSORRT_VERSION=\x00...TRTPLUG_TENSORRT_VERSION=10.16.0\x00tail")
    assert library_tensorrt_version(lib) == (10, 16, 0)


def test_plan_cases_turn_attributes_into_typed_fields(tmp_path):
    class Attr:
        def __init__(self, kind):
            self.kind = kind

    class Spec:
        name, version = "Mish", "1"

        def attr(self, name):
            return Attr({"beta": "float", "axes": "int_list", "mode": "string"}[name])

    class Case:
        attributes = {"beta": 2, "axes": [1, 2], "mode": "fast"}
        inputs = [np.ones(3, np.float32)]
        references = [np.ones(3, np.float32)]
        tolerance = [(1e-3, 1e-4)]  # (rtol, atol), as trtplug.testing.cases.Case holds them
        label = "Mish [float32,float32] 3"

    [case] = plan_cases(Spec(), [Case()])
    assert case.case_id == "Mish_0" and case.rtol == [1e-3] and case.atol == [1e-4]
    assert [(f.name, FieldType(f.type).name, f.length) for f in case.fields] == [
        ("beta", "FLOAT32", 1), ("axes", "INT32", 2), ("mode", "CHAR", 4)]
    with pytest.raises(ValueError, match="give the expected outputs"):
        write_plan(tmp_path, [PlanCase("c", "Mish", "1", inputs=[np.ones(3, np.float32)])])
