"""Writes yolov5_tiny.onnx: a tiny YOLOv5-shaped detector whose last op, YoloDecode, is a trtplug plugin.

    python make_model.py [OUTPUT]

image [1, 3, 64, 64] -> three heads, one per stride (8, 16, 32): a Conv whose kernel is the stride
(a patch embedding) gives [1, 3 * (5 + C), h, w]; YOLOv5's export reshapes it to
[1, 3, 5 + C, h * w], transposes to [1, 3, h * w, 5 + C] and flattens to [1, 3 * h * w, 5 + C].
The three are concatenated ([1, 252, 5 + C] for 8x8, 4x4 and 2x2 grids) into `raw`, and the custom
op YoloDecode (kernels/yolo_decode.py) turns them into `decoded`: boxes in pixels, objectness and
class probabilities, which the bbox parser in detector_parser.py reads. Weights are random.

The op's attributes are the plugin's fields, typed as TensorRT's ONNX parser passes them: ints
lists (grid, strides, anchors) become kINT32 fields of the same length.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NUM_CLASSES = 3
IMAGE = 64
STRIDES = [8, 16, 32]
ANCHORS = [10, 13, 16, 30, 33, 23, 30, 61, 62, 45, 59, 119, 116, 90, 156, 198, 373, 326]  # YOLOv5's, in pixels
GRID = [IMAGE // s for s in STRIDES for _ in range(2)]  # [h0, w0, h1, w1, h2, w2]
CHANNELS = 5 + NUM_CLASSES
ROWS = 3 * sum((IMAGE // s) ** 2 for s in STRIDES)


def head(level: int, stride: int, rng) -> tuple[list, list]:
    """One level's nodes and weights: image -> [1, 3 * h * w, 5 + C] in YOLOv5's row order."""
    cells = (IMAGE // stride) ** 2
    name = f"p{level}"
    weights = [
        numpy_helper.from_array((rng.standard_normal((3 * CHANNELS, 3, stride, stride)) * 0.05).astype(np.float32),
                                f"{name}_w"),
        numpy_helper.from_array(np.array([1, 3, CHANNELS, cells], np.int64), f"{name}_split"),
        numpy_helper.from_array(np.array([1, 3 * cells, CHANNELS], np.int64), f"{name}_rows"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", f"{name}_w"], [f"{name}_head"], kernel_shape=[stride, stride],
                         strides=[stride, stride]),
        helper.make_node("Reshape", [f"{name}_head", f"{name}_split"], [f"{name}_split_out"]),
        helper.make_node("Transpose", [f"{name}_split_out"], [f"{name}_cells"], perm=[0, 1, 3, 2]),
        helper.make_node("Reshape", [f"{name}_cells", f"{name}_rows"], [f"{name}_raw"]),
    ]
    return nodes, weights


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    nodes, weights = [], []
    for level, stride in enumerate(STRIDES):
        level_nodes, level_weights = head(level, stride, rng)
        nodes += level_nodes
        weights += level_weights
    nodes += [
        helper.make_node("Concat", [f"p{level}_raw" for level in range(3)], ["raw"], axis=1),
        helper.make_node("YoloDecode", ["raw"], ["decoded"], domain="trtplug", grid=GRID, strides=STRIDES,
                         anchors=ANCHORS),
    ]
    graph = helper.make_graph(
        nodes, "yolov5_tiny",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, IMAGE, IMAGE])],
        [helper.make_tensor_value_info("decoded", TensorProto.FLOAT, [1, ROWS, CHANNELS])],
        initializer=weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("trtplug", 1)])
    model.ir_version = 8
    return model


def main(output="yolov5_tiny.onnx"):
    model = build_model()
    onnx.checker.check_model(model)
    onnx.save(model, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
