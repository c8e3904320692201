"""Writes squareplus_net.onnx: a small image classifier whose activations are the Squareplus plugin.

    python make_model.py [OUTPUT] [--plugin squareplus.py | --plugin build/squareplus_plugins.json]

image [1, 3, 32, 32] -> Conv 3x3 (8) -> Squareplus(b=4) -> MaxPool 2x2 -> Conv 3x3 (16) -> Squareplus(b=1)
-> GlobalAveragePool -> Flatten -> Gemm (4 classes) -> Softmax -> "probs" [1, 4]. Weights are random
(seeded). The plugin nodes come from trtplug.onnx.plugin_node: op type "Squareplus", plugin_version,
plugin_namespace and the field b as a FLOAT attribute. --plugin takes the plugin file (needs Numba)
or the library's info JSON that `trtplug compile` wrote (needs only onnx).
"""
import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from trtplug.onnx import opset_imports, plugin_node, signatures_from

HERE = Path(__file__).resolve().parent
CLASSES = 4


def build_model(plugin_source=HERE / "squareplus.py") -> onnx.ModelProto:
    (squareplus,) = [s for s in signatures_from([str(plugin_source)]) if s.name == "Squareplus"]
    rng = np.random.default_rng(0)

    def weight(name, *shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.2).astype(np.float32), name)

    initializers = [weight("conv1_w", 8, 3, 3, 3), weight("conv1_b", 8), weight("conv2_w", 16, 8, 3, 3),
                    weight("conv2_b", 16), weight("fc_w", CLASSES, 16), weight("fc_b", CLASSES)]
    nodes = [
        helper.make_node("Conv", ["image", "conv1_w", "conv1_b"], ["conv1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        plugin_node(squareplus, ["conv1"], ["act1"], {"b": 4.0}, name="act1"),
        helper.make_node("MaxPool", ["act1"], ["pool1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool1", "conv2_w", "conv2_b"], ["conv2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        plugin_node(squareplus, ["conv2"], ["act2"], {"b": 1.0}, name="act2"),
        helper.make_node("GlobalAveragePool", ["act2"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["features"]),
        helper.make_node("Gemm", ["features", "fc_w", "fc_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "squareplus_net", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, CLASSES])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=opset_imports(), producer_name="trtplug example")
    model.ir_version = 8
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default="squareplus_net.onnx")
    parser.add_argument("--plugin", default=str(HERE / "squareplus.py"),
                        help="squareplus.py, or the <name>.json `trtplug compile` wrote")
    args = parser.parse_args(argv)
    model = build_model(args.plugin)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
