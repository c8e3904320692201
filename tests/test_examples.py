"""The end-to-end examples: model with a custom op, plugin, one library, nvinfer config, check,
and the parser run by the nvinfer emulation on the plugin's output."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trtplug.native.tensorrt_headers import find_all_tensorrt_includes
from trtplug.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "yolo_deepstream"
HEADERS = find_all_tensorrt_includes()


def test_example_model_uses_the_plugin_as_a_custom_op(tmp_path):
    onnx = pytest.importorskip("onnx")
    model_path = tmp_path / "detector.onnx"
    subprocess.run([sys.executable, str(EXAMPLE / "make_model.py"), str(model_path)], check=True,
                   capture_output=True)
    model = onnx.load(model_path)
    onnx.checker.check_model(model)
    assert model.graph.node[-1].op_type == "SigmoidDecode"
    assert model.graph.output[0].name == "decoded"


@pytest.mark.trt_headers
@pytest.mark.skipif(not HEADERS, reason="no TensorRT headers (see docs/tensorrt.md to fetch them)")
def test_detector_example_end_to_end(tmp_path, capsys):
    pytest.importorskip("onnx")
    build = tmp_path / "build"
    build.mkdir()
    subprocess.run([sys.executable, str(EXAMPLE / "make_model.py"), str(build / "detector.onnx")], check=True,
                   capture_output=True)
    assert cli_main(["compile", str(EXAMPLE / "yolo_deepstream.py"), "-o", str(build), "--name", "yolo_deepstream",
                     "--arch", "90", "-q", "--tensorrt-include", str(HEADERS[0].include_dir)]) == 0
    library = build / "libyolo_deepstream.so"
    config = build / "config_infer.txt"
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(build / "detector.onnx"), "--network-type", "detector", "--num-classes", "3",
                     "--infer-dims", "3,64,64"]) == 0
    capsys.readouterr()
    assert cli_main(["deepstream", "check", str(config)]) == 0
    out = capsys.readouterr().out
    assert "SigmoidDecode (version 1)" in out

    import trtplug.deepstream as tds
    decoded = np.zeros((7, 64), np.float32)  # one frame of the plugin's output: [4+C, N]
    decoded[4:] = 0.01
    decoded[:4, 10] = [20.0, 30.0, 10.0, 12.0]  # cx, cy, w, h in pixels
    decoded[4 + 2, 10] = 0.9                    # class 2 ("car")
    result = tds.emulate_config(config, {"decoded": decoded})
    assert result.ok, result.stderr
    assert len(result.objects) == 1
    obj = result.objects[0]
    assert obj["classId"] == 2 and obj["confidence"] == pytest.approx(0.9)
    assert (obj["left"], obj["top"], obj["width"], obj["height"]) == pytest.approx((15.0, 24.0, 10.0, 12.0))
