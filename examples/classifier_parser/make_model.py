"""Writes vehicle_attributes.onnx: a tiny two-head classifier for vehicle crops (secondary GIE).

    python make_model.py [OUTPUT]

crop [1, 3, 64, 64] -> Conv 4x4/4 (8) -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> "color" [1, 4]
                                                                             \\-> Gemm -> "type"  [1, 3]
Both heads are logits; the parser in vehicle_attributes.py applies softmax. Weights are random (seeded).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

COLORS, TYPES = 4, 3


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)

    def weight(name, *shape, scale=0.5):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    initializers = [weight("conv_w", 8, 3, 4, 4), weight("conv_b", 8), weight("color_w", COLORS, 8, scale=3.0),
                    weight("color_b", COLORS), weight("type_w", TYPES, 8, scale=3.0), weight("type_b", TYPES)]
    nodes = [
        helper.make_node("Conv", ["crop", "conv_w", "conv_b"], ["conv"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["features"]),
        helper.make_node("Gemm", ["features", "color_w", "color_b"], ["color"], transB=1),
        helper.make_node("Gemm", ["features", "type_w", "type_b"], ["type"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "vehicle_attributes", [helper.make_tensor_value_info("crop", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("color", TensorProto.FLOAT, [1, COLORS]),
         helper.make_tensor_value_info("type", TensorProto.FLOAT, [1, TYPES])], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="trtplug example")
    model.ir_version = 8
    return model


def main(output="vehicle_attributes.onnx"):
    model = build_model()
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
