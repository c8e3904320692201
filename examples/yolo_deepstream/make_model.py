"""Writes detector.onnx: a tiny detector whose last op, SigmoidDecode, is the custom plugin.

    python make_model.py [OUTPUT]

image [1, 3, 64, 64] -> Conv 8x8/8 (a patch embedding to a [1, 7, 8, 8] head) -> Reshape [1, 7, 64]
-> SigmoidDecode (custom op: TensorRT's ONNX parser looks the op type up in the plugin registry,
which the trtplug library filled when it was loaded) -> "decoded" [1, 7, 64]. Weights are random.
The plugin node is written by trtplug.onnx.plugin_node from the class in yolo_deepstream.py: op type,
plugin_version, plugin_namespace and the field `stride` as a FLOAT attribute.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from trtplug.onnx import opset_imports, plugin_node, signatures_from

HERE = Path(__file__).resolve().parent

NUM_CLASSES = 3


def build_model() -> onnx.ModelProto:
    (decode,) = [s for s in signatures_from([str(HERE / "yolo_deepstream.py")]) if s.name == "SigmoidDecode"]
    rng = np.random.default_rng(0)
    channels = 4 + NUM_CLASSES
    weight = numpy_helper.from_array(rng.standard_normal((channels, 3, 8, 8)).astype(np.float32) * 0.05, "head_w")
    shape = numpy_helper.from_array(np.array([1, channels, 64], dtype=np.int64), "head_shape")
    nodes = [
        helper.make_node("Conv", ["image", "head_w"], ["head"], kernel_shape=[8, 8], strides=[8, 8]),
        helper.make_node("Reshape", ["head", "head_shape"], ["raw"]),
        plugin_node(decode, ["raw"], ["decoded"], {"stride": 8.0}),
    ]
    graph = helper.make_graph(
        nodes, "detector",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("decoded", TensorProto.FLOAT, [1, channels, 64])],
        initializer=[weight, shape])
    model = helper.make_model(graph, opset_imports=opset_imports())
    model.ir_version = 8
    return model


def main(output="detector.onnx"):
    model = build_model()
    onnx.checker.check_model(model)
    onnx.save(model, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
