"""Parser declarations, DeepStream versions, generated sources and the layout checks of
trtplug's own DeepStream declarations."""
import os
from pathlib import Path

import numpy as np
import pytest

import trtplug.deepstream as tds
from trtplug.native.compiler import CompileJob, run_compile
from trtplug.native.assets import DEEPSTREAM_DIR
from trtplug.errors import BuildError, DefinitionError


@pytest.mark.parametrize("make,match", [
    (lambda: tds.YoloDetector("1bad"), r"YoloDetector\('1bad'\)\.func_name: expected a C identifier"),
    (lambda: tds.YoloDetector("NvDsInferCreateModelParser"), r"func_name: 'NvDsInferCreateModelParser' is reserved"),
    (lambda: tds.YoloDetector("P", layout="NCx"), r"YoloDetector\('P'\)\.layout: expected one of 'NxC', 'CxN'"),
    (lambda: tds.YoloDetector("P", box="ltrb"), r"\.box: expected one of 'cxcywh'"),
    (lambda: tds.YoloDetector("P", objectness=1), r"\.objectness: expected True or False"),
    (lambda: tds.YoloDetector("P", num_classes=0), r"\.num_classes: expected an integer >= 1"),
    (lambda: tds.YoloDetector("P", num_classes=2, labels=["a"]), r"\.labels: 1 labels for num_classes=2"),
    (lambda: tds.YoloDetector("P", default_threshold=float("nan")), r"\.default_threshold: expected a finite"),
    (lambda: tds.NmsDetector("P", boxes="out", scores="out"), r"NmsDetector\('P'\)\.layers: layer names must differ"),
    (lambda: tds.NmsDetector("P", classes="a b"), r"\.classes: expected a layer name"),
    (lambda: tds.BoxesScoresDetector("P", background_class=-1), r"\.background_class: expected None"),
    (lambda: tds.BoxesScoresDetector("P", score_activation="relu"), r"\.score_activation: expected one of"),
    (lambda: tds.Classifier("P", heads=[]), r"Classifier\('P'\)\.heads: expected a non-empty list"),
    (lambda: tds.Classifier("P", heads=[tds.ClassifierHead(labels=["a;b"])]), r"heads\[0\]\.labels\[0\]"),
    (lambda: tds.Classifier("P", heads=[tds.ClassifierHead(multi_label=True)]), r"multi-label heads need"),
    (lambda: tds.InstanceMask("P", mask_activation="softmax"), r"InstanceMask\('P'\)\.mask_activation"),
    (lambda: tds.YoloSeg("P", layer="x", protos="x"), r"YoloSeg\('P'\)\.protos: must name a different layer"),
    (lambda: tds.CustomSource("/nonexistent/parser.cpp"), r"CustomSource\('/nonexistent/parser.cpp'\)\.path: no such"),
])
def test_declaration_errors_name_parser_and_field(make, match):
    with pytest.raises(DefinitionError, match=match):
        make()


def test_duplicate_function_names(tmp_path):
    with pytest.raises(DefinitionError, match="'P' is already used by YoloDetector"):
        tds.render_deepstream_sources([tds.YoloDetector("P"), tds.NmsDetector("P")], out_dir=tmp_path)
    with pytest.raises(DefinitionError, match="expected parser declarations"):
        tds.render_deepstream_sources(["P"], out_dir=tmp_path)


def test_versions():
    assert str(tds.parse_version(None)) == tds.DEFAULT_VERSION == "9.1"
    assert tds.parse_version("8").code == 800 and tds.parse_version("6.0.1").code == 600
    assert tds.parse_version("6.3").code == 630 and tds.parse_version("5.1").code == 510
    assert tds.parse_version("9.0").object_detection_info_size == 28
    assert tds.parse_version("8.0").object_detection_info_size == 24
    with pytest.raises(Exception, match="DeepStream version '4.0' is not supported"):
        tds.parse_version("4.0")


def test_generated_source_is_data_and_deterministic(tmp_path):
    parsers = [tds.YoloDetector("P", layout="CxN", num_classes=4, labels=["a", "b", "c", "d"])]
    a = tds.render_deepstream_sources(parsers, out_dir=tmp_path / "a", deepstream_version="8.0")
    b = tds.render_deepstream_sources(parsers, out_dir=tmp_path / "b", deepstream_version="8.0")
    text = a.sources[0].read_text()
    assert text == b.sources[0].read_text()
    assert "TRTPLUG_DS_CHECK_BBOX_PARSER(P)" in text and "1,  // transposed" in text
    assert a.defines["TRTPLUG_DS_VERSION"] == "800" and a.defines["_GLIBCXX_USE_CXX11_ABI"] == "1"
    assert a.info["deepstream_version"] == "8.0" and a.info["parsers"][0]["num_classes"] == 4


def test_labels_with_special_characters_survive(tmp_path):
    labels = ['say "hi"', "back\\slash", "naïve ☃", "trigraph??="]
    lib = tds.build_parser_library([tds.Classifier("C", heads=[tds.ClassifierHead(labels=labels)])],
                                   name="labels")
    for i, label in enumerate(labels):
        scores = np.zeros(4, np.float32)
        scores[i] = 10
        res = tds.emulate_parser(lib, "C", "classifier", {"out": scores}, classifier_threshold=0.5)
        assert res.attributes[0]["label"] == label and res.description == label


def _compile_probe(tmp_path, version: str, body: str) -> Path:
    src = tmp_path / f"probe_{version.replace('.', '_')}.cpp"
    src.write_text('#include "trtplug_nvdsinfer.h"\n#include <cstddef>\n' + body)
    job = CompileJob(sources=[src], output=tmp_path / (src.stem + ".o"), shared=False, include_dirs=[DEEPSTREAM_DIR],
                     defines={"TRTPLUG_DS_VERSION": str(tds.parse_version(version).code)}, extra_flags=["-c"])
    return run_compile(job)


SIZES = """
static_assert(sizeof(NvDsInferDims) == 40, "dims");
static_assert(sizeof(NvDsInferLayerInfo) == 72 && offsetof(NvDsInferLayerInfo, bindingIndex) == 44
              && offsetof(NvDsInferLayerInfo, layerName) == 48 && offsetof(NvDsInferLayerInfo, isInput) == 64, "layer");
static_assert(sizeof(NvDsInferNetworkInfo) == 12, "net");
static_assert(sizeof(NvDsInferObjectDetectionInfo) == OBJ, "object");
static_assert(sizeof(NvDsInferInstanceMaskInfo) == 48 && offsetof(NvDsInferInstanceMaskInfo, mask) == 24
              && offsetof(NvDsInferInstanceMaskInfo, mask_size) == 40, "mask");
static_assert(sizeof(NvDsInferAttribute) == 24 && offsetof(NvDsInferAttribute, attributeLabel) == 16, "attr");
static_assert(sizeof(NvDsInferParseDetectionParams) == 64, "params");
static_assert(NVDSINFER_UNKNOWN_ERROR == UNKNOWN_VALUE, "status");
"""


@pytest.mark.parametrize("version,obj,unknown", [("5.0", 24, 9), ("6.2", 24, 9), ("6.3", 24, 10), ("8.0", 24, 10),
                                                 ("9.1", 28, 10)])
def test_declared_layouts_match_the_documented_sizes(tmp_path, version, obj, unknown):
    _compile_probe(tmp_path, version, SIZES.replace("OBJ", str(obj)).replace("UNKNOWN_VALUE", str(unknown)))


def test_engine_create_signature_follows_the_version(tmp_path):
    six = "extern \"C\" bool Make(nvinfer1::IBuilder* const, nvinfer1::IBuilderConfig* const, " \
          "const NvDsInferContextInitParams* const, nvinfer1::DataType, nvinfer1::ICudaEngine*&) { return false; }\n" \
          "CHECK_CUSTOM_ENGINE_CREATE_FUNC_PROTOTYPE(Make)\n"
    _compile_probe(tmp_path, "6.0", six)
    with pytest.raises(BuildError):
        _compile_probe(tmp_path, "5.1", six)


FAKE_NVDSINFER = """
#pragma once
#include <stdint.h>
#define NVDSINFER_MAX_DIMS 8
extern "C" {
typedef struct { unsigned int numDims; unsigned int d[NVDSINFER_MAX_DIMS]; unsigned int numElements; } NvDsInferDims;
typedef struct { unsigned int c, h, w; } NvDsInferDimsCHW;
typedef enum { FLOAT = 0, HALF = 1, INT8 = 2, INT32 = 3, INT64 = 4, UINT8 = 5 } NvDsInferDataType;
typedef struct { NvDsInferDataType dataType; union { NvDsInferDims inferDims; NvDsInferDims dims; };
                 int bindingIndex; const char* layerName; void* buffer; int isInput; } NvDsInferLayerInfo;
typedef struct { unsigned int width, height, channels; } NvDsInferNetworkInfo;
typedef struct { unsigned int classId; float left, top, width, height, detectionConfidence; ROTATION
} NvDsInferObjectDetectionInfo;
typedef struct { unsigned int classId; float left, top, width, height, detectionConfidence; float* mask;
                 unsigned int mask_width, mask_height, mask_size; } NvDsInferInstanceMaskInfo;
typedef struct { unsigned int attributeIndex, attributeValue; float attributeConfidence; char* attributeLabel; }
    NvDsInferAttribute;
typedef enum { NVDSINFER_SUCCESS = 0, NVDSINFER_CONFIG_FAILED, NVDSINFER_CUSTOM_LIB_FAILED, NVDSINFER_INVALID_PARAMS,
               NVDSINFER_OUTPUT_PARSING_FAILED, NVDSINFER_CUDA_ERROR, NVDSINFER_TENSORRT_ERROR,
               NVDSINFER_RESOURCE_ERROR, NVDSINFER_TRITON_ERROR, NVDSINFER_MEM_ERROR, NVDSINFER_UNKNOWN_ERROR }
    NvDsInferStatus;
}
"""


@pytest.mark.parametrize("rotation,ok", [("float rotation_angle;", True), ("", False)])
def test_layout_check_against_given_headers(tmp_path, rotation, ok):
    inc = tmp_path / "include"
    inc.mkdir()
    (inc / "nvdsinfer.h").write_text(FAKE_NVDSINFER.replace("ROTATION", rotation))
    build = lambda: tds.build_parser_library([tds.YoloDetector("P")], output=tmp_path / "libp.so",
                                             deepstream_version="9.1", deepstream_include=inc)
    if ok:
        build()
    else:
        with pytest.raises(BuildError, match=r"layout mismatch: sizeof\(NvDsInferObjectDetectionInfo\)"):
            build()


def test_deepstream_include_must_hold_nvdsinfer_h(tmp_path):
    with pytest.raises(DefinitionError, match="no nvdsinfer.h there"):
        tds.render_deepstream_sources([], out_dir=tmp_path, deepstream_include=tmp_path)


def _real_headers():
    root = Path(os.environ.get("TRTPLUG_DEEPSTREAM_HEADERS", Path.home() / ".cache/trtplug/deepstream"))
    return sorted(p.parent.parent.name for p in root.glob("*/include/nvdsinfer.h")) if root.is_dir() else []


@pytest.mark.skipif(not _real_headers(), reason="no DeepStream headers in ~/.cache/trtplug/deepstream/<version>/include "
                                              "or TRTPLUG_DEEPSTREAM_HEADERS")
@pytest.mark.parametrize("version", _real_headers() or ["none"])
def test_layout_check_against_real_deepstream_headers(tmp_path, version):
    root = Path(os.environ.get("TRTPLUG_DEEPSTREAM_HEADERS", Path.home() / ".cache/trtplug/deepstream"))
    tds.build_parser_library([tds.YoloDetector("P")], output=tmp_path / "libp.so", deepstream_version=version,
                             deepstream_include=root / version / "include")
