"""examples/yolov5_detector: a YOLOv5-shaped ONNX model whose last op is the YoloDecode plugin of
kernels/, the plugin and trtplug's built-in bbox parser in one library, the nvinfer config written
and checked, and the parser run by the nvinfer emulation on what the plugin's reference decodes."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trtplug.cli import main as cli_main
from trtplug.native.tensorrt_headers import find_all_tensorrt_includes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "yolov5_detector"
PLUGIN_FILE = ROOT / "kernels" / "yolo_decode.py"
HEADERS = find_all_tensorrt_includes()


def _make_model(path: Path):
    onnx = pytest.importorskip("onnx")
    subprocess.run([sys.executable, str(EXAMPLE / "make_model.py"), str(path)], check=True, capture_output=True)
    return onnx.load(path)


def _decode_spec():
    from trtplug.loader import load_specs
    (spec,) = load_specs([str(PLUGIN_FILE)])
    return spec


def test_model_carries_the_plugin_node_with_the_plugins_fields(tmp_path):
    import onnx
    model = _make_model(tmp_path / "yolov5_tiny.onnx")
    onnx.checker.check_model(model)
    node = model.graph.node[-1]
    assert (node.op_type, list(node.output)) == ("YoloDecode", ["decoded"])
    spec = _decode_spec()
    attributes = {a.name: a for a in node.attribute}
    assert set(attributes) == {a.name for a in spec.attrs}
    for declared in spec.attrs:
        value = onnx.helper.get_attribute_value(attributes[declared.name])
        assert attributes[declared.name].type == onnx.AttributeProto.INTS, declared.name
        declared.check_value(list(value), f"YoloDecode.{declared.name}")  # type, length and range
    # The rows the model feeds the plugin are the rows its grid attribute describes.
    grid = list(onnx.helper.get_attribute_value(attributes["grid"]))
    rows = 3 * sum(h * w for h, w in zip(grid[::2], grid[1::2]))
    (output,) = model.graph.output
    assert [d.dim_value for d in output.type.tensor_type.shape.dim] == [1, rows, 8]


def _raw_with_one_candidate():
    """[1, 252, 8] logits: every candidate improbable but one, at level 0 (stride 8), anchor 0 (10x13
    pixels), cell (3, 4) = row 4 * 8 + 3, of class 1, offsets 0 (sigmoid 0.5)."""
    raw = np.full((1, 252, 8), -12.0, np.float32)
    raw[0, 35, :4] = 0.0
    raw[0, 35, 4] = 6.0  # objectness
    raw[0, 35, 5 + 1] = 6.0
    return raw


def test_the_reference_decodes_the_candidate_where_yolov5_puts_it():
    spec = _decode_spec()
    decoded = spec.reference(spec.plugin_class(grid=[8, 8, 4, 4, 2, 2]), _raw_with_one_candidate())
    probability = 1 / (1 + np.exp(-6.0))
    # cx = (2 * 0.5 - 0.5 + 3) * 8 = 28, cy = (0.5 + 4) * 8 = 36, w, h = (2 * 0.5)^2 * (10, 13)
    np.testing.assert_allclose(decoded[0, 35, :6], [28.0, 36.0, 10.0, 13.0, probability, 1 / (1 + np.exp(12.0))],
                               rtol=1e-6)
    assert decoded[0, 35, 6] == pytest.approx(probability)
    others = np.delete(decoded[0], 35, axis=0)
    assert others[:, 4].max() < 1e-5  # every other candidate's objectness


@pytest.mark.trt_headers
@pytest.mark.skipif(not HEADERS, reason="no TensorRT headers (see docs/tensorrt.md to fetch them)")
def test_detector_example_end_to_end(tmp_path, capsys):
    pytest.importorskip("numba.cuda", reason="numba-cuda compiles the plugin's kernel")
    build = tmp_path / "build"
    build.mkdir()
    _make_model(build / "yolov5_tiny.onnx")
    assert cli_main(["compile", str(PLUGIN_FILE), str(EXAMPLE / "detector_parser.py"), "-o", str(build), "--name",
                     "yolov5_detector", "--arch", "90", "-q", "--tensorrt-include", str(HEADERS[0].include_dir)]) == 0
    library = build / "libyolov5_detector.so"
    config = build / "config_infer.txt"
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(build / "yolov5_tiny.onnx"), "--network-type", "detector", "--num-classes", "3",
                     "--infer-dims", "3,64,64"]) == 0
    text = config.read_text()
    assert "parse-bbox-func-name=NvDsInferParseYoloV5Decoded" in text and "output-blob-names=decoded" in text
    capsys.readouterr()
    assert cli_main(["deepstream", "check", str(config)]) == 0
    out = capsys.readouterr().out
    assert "YoloDecode (version 1)" in out and "0 error(s), 0 warning(s)" in out

    import trtplug.deepstream as tds
    spec = _decode_spec()
    decoded = spec.reference(spec.plugin_class(grid=[8, 8, 4, 4, 2, 2]), _raw_with_one_candidate())
    result = tds.emulate_config(config, {"decoded": decoded[0]})
    assert result.ok, result.stderr
    assert len(result.objects) == 1, result.objects
    obj = result.objects[0]
    probability = 1 / (1 + np.exp(-6.0))
    assert obj["classId"] == 1 and obj["confidence"] == pytest.approx(probability * probability, rel=1e-5)
    assert (obj["left"], obj["top"], obj["width"], obj["height"]) == pytest.approx((23.0, 29.5, 10.0, 13.0))
