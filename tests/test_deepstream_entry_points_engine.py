"""Engine creation and IModelParser from a network recipe.

The recipe interpreter runs here through trtplug_ds_recipe_dry_run (a network of names, no
TensorRT). The engine-create functions and NvDsInferCreateModelParser are compiled against the
real headers of every supported TensorRT major and called as far as possible without libnvinfer;
building a real engine runs only where libnvinfer and libnvonnxparser are installed.
"""
from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

import pytest

import trtplug.deepstream as tds
from trtplug.native.compiler import CompileJob, run_compile
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes, find_cuda_include
from trtplug.errors import DefinitionError, HeadersNotFoundError, LoadError

from ds_helpers import call_library_in_child

RECIPE = [
    tds.AppendPlugin("YoloDecode", version="2", inputs=["output0", "anchors"], outputs=["boxes", "scores"],
                     attrs={"num_classes": 80, "conf": 0.25, "mode": "xyxy", "strides": [8, 16, 32]}),
    tds.UnmarkOutput("output0"),
    tds.MarkOutput("boxes"),
    tds.MarkOutput("scores"),
]
DECLS = [
    tds.EngineCreate("NvDsInferYoloEngine", RECIPE),
    tds.EngineCreate("NvDsInferPlainEngine"),
    tds.EngineCreate("NvDsInferBadEngine", [tds.MarkOutput("not_there")]),
    tds.ModelParser([tds.UnmarkOutput("output0"), tds.MarkOutput("stage2")], name="yolo"),
]
NETWORK = dict(inputs=["images"], tensors=["anchors", "stage2"], outputs=["output0"])


@pytest.fixture(scope="module")
def dry_library(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recipes")
    srcs = tds.render_entry_point_sources(DECLS, deepstream_version="9.1", tensorrt_major=10, out_dir=tmp / "src",
                                    with_factory=False, with_tensorrt=False, plugin_namespace="acme")
    return run_compile(CompileJob(srcs.sources, tmp / "librecipes.so", include_dirs=srcs.include_dirs,
                                  defines=srcs.defines, extra_flags=["-Werror"]))


def test_recipe_appends_plugin_and_rewires_outputs(dry_library):
    res = tds.dry_run_recipe(dry_library, "NvDsInferYoloEngine", **NETWORK)
    assert res.ok, res.error
    assert res.outputs == ["boxes", "scores"]
    assert res.trace == ["append YoloDecode v2 (output0, anchors) fields num_classes:5, conf:1, mode:6, strides:5",
                         "unmark output0", "mark boxes", "mark scores"]
    assert tds.dry_run_recipe(dry_library, "NvDsInferPlainEngine", **NETWORK).outputs == ["output0"]
    parser = tds.dry_run_recipe(dry_library, "NvDsInferCreateModelParser", **NETWORK)
    assert parser.ok and parser.outputs == ["stage2"]


@pytest.mark.parametrize("function, network, message", [
    ("NvDsInferBadEngine", NETWORK,
     "recipe of NvDsInferBadEngine, step 1 (mark output 'not_there'): tensor 'not_there' does not exist in the "
     "network (its outputs: output0)"),
    ("NvDsInferYoloEngine", dict(inputs=["images"], outputs=["output0"]),
     "step 1 (append plugin 'YoloDecode' v2): tensor 'anchors' does not exist in the network (its outputs: output0)"),
    ("NvDsInferYoloEngine", dict(inputs=["images", "anchors"], tensors=["boxes"], outputs=["output0"]),
     "output name 'boxes' is already used by a tensor of the network"),
    ("NvDsInferYoloEngine", dict(inputs=["images", "anchors", "output0"], outputs=["other"]),
     "step 2 (unmark output 'output0'): tensor 'output0' is not a network output (outputs: other, boxes)"[:60]),
    ("NvDsInferCreateModelParser", dict(inputs=["x"], outputs=["output0"]), "tensor 'stage2' does not exist"),
])
def test_recipe_errors_name_the_step_and_the_tensor(dry_library, function, network, message):
    res = tds.dry_run_recipe(dry_library, function, **network)
    assert not res.ok
    assert message in res.error


def test_recipe_that_leaves_no_outputs(tmp_path):
    decl = tds.EngineCreate("NvDsInferEmpty", [tds.UnmarkOutput("y")])
    srcs = tds.render_entry_point_sources([decl], deepstream_version="8.0", tensorrt_major=10, out_dir=tmp_path,
                                    with_factory=False, with_tensorrt=False)
    lib = run_compile(CompileJob(srcs.sources, tmp_path / "lib.so", include_dirs=srcs.include_dirs,
                                 defines=srcs.defines))
    res = tds.dry_run_recipe(lib, "NvDsInferEmpty", inputs=["x"], outputs=["y"])
    assert not res.ok and res.error == "recipe of NvDsInferEmpty: the network has no outputs left"
    with pytest.raises(LoadError, match="no recipe for 'Nope'"):
        tds.dry_run_recipe(lib, "Nope", inputs=["x"], outputs=["y"])


def test_recipe_against_an_onnx_models_tensor_names(dry_library, tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["images"], ["stage2"]), helper.make_node("Add", ["stage2", "anchors"], ["output0"])],
        "g", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor("anchors", TensorProto.FLOAT, [1], [0.5])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), str(path))
    res = tds.dry_run_recipe(dry_library, "NvDsInferYoloEngine", onnx_file=path)
    # 'anchors' is an initializer, so TensorRT has no tensor of that name to feed the plugin.
    assert not res.ok and "tensor 'anchors' does not exist" in res.error
    assert tds.dry_run_recipe(dry_library, "NvDsInferCreateModelParser", onnx_file=path).outputs == ["stage2"]


@pytest.mark.parametrize("make, message", [
    (lambda: tds.EngineCreate("NvDsInferCreateModelParser"), "is reserved"),
    (lambda: tds.EngineCreate("E", [tds.MarkOutput("a b")]), "MarkOutput('a b').tensor"),
    (lambda: tds.EngineCreate("E", tds.MarkOutput("a")), "EngineCreate('E').recipe: expected a list"),
    (lambda: tds.AppendPlugin("P", inputs=[], outputs=["y"]), "AppendPlugin('P').inputs"),
    (lambda: tds.AppendPlugin("P", inputs=["x"], outputs=["y", "y"]), "names repeat"),
    (lambda: tds.AppendPlugin("P", inputs=["x"], outputs=["y"], attrs={"k": [1, "a"]}), "attrs['k']"),
    (lambda: tds.AppendPlugin("P", inputs=["x"], outputs=["y"], attrs={"k": 2**40}), "kINT32"),
    (lambda: tds.ModelParser(name="a/b"), "ModelParser.name"),
])
def test_declaration_mistakes(make, message):
    with pytest.raises(DefinitionError) as info:
        make()
    assert message in str(info.value)


def test_render_refuses_mismatched_versions_and_duplicates(tmp_path):
    with pytest.raises(DefinitionError, match="DeepStream 9.1 does not run on TensorRT 7"):
        tds.render_entry_point_sources([], deepstream_version="9.1", tensorrt_major=7, out_dir=tmp_path)
    with pytest.raises(DefinitionError, match="already used"):
        tds.render_entry_point_sources([tds.ModelParser(), tds.ModelParser()], deepstream_version="9.1", tensorrt_major=10,
                                 out_dir=tmp_path)
    with pytest.raises(DefinitionError, match="expected EngineCreate, ModelParser or InputLayers"):
        tds.render_entry_point_sources([tds.YoloDetector("P")], deepstream_version="9.1", tensorrt_major=10, out_dir=tmp_path)


# ------------------------------------------------------------------------------------------------------
# Against the real TensorRT headers of each major

PAIRS = [(7, "5.1"), (8, "6.3"), (10, "8.0"), (11, "9.1")]


def headers(major):
    if major == 7:
        from trtplug.native.tensorrt_headers import find_tensorrt7_include
        try:
            return find_tensorrt7_include()
        except HeadersNotFoundError as exc:
            pytest.skip(str(exc))
    found = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not found:
        pytest.skip(f"no TensorRT {major}.x headers found")
    return found[0].include_dir


def build_trt_library(tmp_path, major, ds, decls):
    inc = headers(major)
    srcs = tds.render_entry_point_sources(decls, deepstream_version=ds, tensorrt_major=major, out_dir=tmp_path / "src",
                                    with_factory=major != 7)
    system = [inc] + ([find_cuda_include()] if major >= 8 else [])
    return run_compile(CompileJob(srcs.sources, tmp_path / f"libengine{major}.so", include_dirs=srcs.include_dirs,
                                  system_include_dirs=system, defines=srcs.defines, allow_undefined=True,
                                  extra_flags=["-Werror"])), inc


def exports(library):
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True, check=True)
    return {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}


@pytest.mark.trt_headers
@pytest.mark.parametrize("major, ds", PAIRS)
def test_engine_create_and_model_parser_compile_for_every_major(tmp_path, major, ds):
    library, inc = build_trt_library(tmp_path, major, ds, DECLS)
    names = exports(library)
    assert {"NvDsInferYoloEngine", "NvDsInferPlainEngine", "NvDsInferCreateModelParser",
            "trtplug_ds_recipe_dry_run"} <= names
    assert ("NvDsInferPluginFactoryRuntimeGet" in names) == (major != 7)
    has_onnx_parser = (Path(inc) / "NvOnnxParser.h").is_file()
    text = library.read_bytes()
    assert (b"built without TensorRT's ONNX parser header" in text) == (not has_onnx_parser)


@pytest.mark.trt_headers
def test_model_parser_is_opt_in(tmp_path):
    library, _ = build_trt_library(tmp_path, 10, "8.0", [tds.EngineCreate("NvDsInferOnly")])
    assert "NvDsInferCreateModelParser" not in exports(library)


@pytest.mark.trt_headers
@pytest.mark.parametrize("major, ds", [(10, "8.0"), (11, "9.1"), (8, "6.3")])
def test_entry_points_fail_cleanly_without_a_builder_or_model(tmp_path, major, ds):
    """Called the way nvinfer calls them, with what can exist without libnvinfer: no builder, and init
    params without an onnx-file. Each returns a failure nvinfer reports, with one line naming the cause."""
    library, _ = build_trt_library(tmp_path, major, ds, DECLS)
    proc = call_library_in_child(library, (
        "f = lib.NvDsInferYoloEngine; f.restype = ctypes.c_bool\n"
        "f.argtypes = [ctypes.c_void_p] * 4 + [ctypes.POINTER(ctypes.c_void_p)]\n"
        "engine = ctypes.c_void_p(0x1)\n"
        "params = ctypes.create_string_buffer(60000)\n"
        "print(f(None, None, params, 0, ctypes.byref(engine)), engine.value)\n"
        "m = lib.NvDsInferCreateModelParser; m.restype = ctypes.c_void_p; m.argtypes = [ctypes.c_void_p]\n"
        "print(m(params))\n"))
    assert proc.stdout.split() == ["False", "None", "None"]
    assert "trtplug deepstream error: NvDsInferYoloEngine: nvinfer passed no builder" in proc.stderr
    assert ("trtplug deepstream error: NvDsInferCreateModelParser: no ONNX model: set onnx-file in the nvinfer "
            "config") in proc.stderr


def _tensorrt_runtime_reason():
    for name in ("libnvinfer.so.10", "libnvonnxparser.so.10"):
        try:
            ctypes.CDLL(name, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            return f"{name} is not installed (building a real engine needs TensorRT's runtime)"
    return None


# nvinfer's side of an engine build, reduced: libnvinfer's builder and config, then the custom function.
ENGINE_DRIVER = r"""
#include <NvInfer.h>
#include <dlfcn.h>
#include <cstdio>
#include <cstring>
#include <vector>
struct Log : nvinfer1::ILogger { void log(Severity s, const char* m) noexcept override { if (s <= Severity::kWARNING) std::fprintf(stderr, "%s\n", m); } };
int main(int, char** argv) {
    Log log;
    auto create = reinterpret_cast<void* (*)(void*, int32_t)>(dlsym(RTLD_DEFAULT, "createInferBuilder_INTERNAL"));
    if (!create) return 3;
    auto* builder = static_cast<nvinfer1::IBuilder*>(create(&log, NV_TENSORRT_VERSION));
    nvinfer1::IBuilderConfig* config = builder->createBuilderConfig();
    void* lib = dlopen(argv[1], RTLD_LAZY);
    using Fn = bool (*)(nvinfer1::IBuilder*, nvinfer1::IBuilderConfig*, const void*, nvinfer1::DataType,
                        nvinfer1::ICudaEngine*&);
    auto fn = reinterpret_cast<Fn>(dlsym(lib, argv[2]));
    std::vector<char> params(60000, 0);
    std::strcpy(params.data() + 12296, argv[3]);           // onnxFilePath
    unsigned batch = 2;
    std::memcpy(params.data() + 30748, &batch, 4);         // maxBatchSize (6.0+)
    nvinfer1::ICudaEngine* engine = nullptr;
    const bool ok = fn(builder, config, params.data(), nvinfer1::DataType::kFLOAT, engine);
    std::printf("%d %d\n", ok ? 1 : 0, engine ? engine->getNbIOTensors() : -1);
    return 0;
}
"""


@pytest.mark.trt_headers
@pytest.mark.skipif(_tensorrt_runtime_reason() is not None, reason=str(_tensorrt_runtime_reason()))
def test_builds_a_real_engine_with_tensorrt(tmp_path):  # needs TensorRT 10 (libnvinfer, libnvonnxparser) and a GPU
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    library, inc = build_trt_library(tmp_path, 10, "8.0", [
        tds.EngineCreate("NvDsInferPlainEngine"), tds.EngineCreate("NvDsInferBadEngine", [tds.MarkOutput("nope")])])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    model = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph), str(model))
    src = tmp_path / "driver.cpp"
    src.write_text(ENGINE_DRIVER)
    exe = run_compile(CompileJob([src], tmp_path / "driver", shared=False, system_include_dirs=[inc, find_cuda_include()],
                                 libs=("-ldl", "-l:libnvinfer.so.10")))
    good = subprocess.run([str(exe), str(library), "NvDsInferPlainEngine", str(model)], capture_output=True, text=True)
    assert good.stdout.split() == ["1", "2"], good.stderr
    bad = subprocess.run([str(exe), str(library), "NvDsInferBadEngine", str(model)], capture_output=True, text=True)
    assert bad.stdout.split() == ["0", "-1"] and "tensor 'nope' does not exist" in bad.stderr
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    res = subprocess.run([str(exe), str(library), "NvDsInferPlainEngine", str(broken)], capture_output=True, text=True)
    assert res.stdout.split() == ["0", "-1"] and "does not parse" in res.stderr
