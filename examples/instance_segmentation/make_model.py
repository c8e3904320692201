"""Writes mask_head.onnx: a tiny instance-segmentation network ending in a Mask R-CNN-style head.

    python make_model.py [OUTPUT]

image [1, 3, 64, 64] -> Conv 4x4/4 (8) -> Relu -> features [1, 8, 16, 16], then for K = 4 detections:
  masks [4, 16, 16]      Conv 1x1 (4) -> Reshape                         (mask logits, one per detection)
  boxes [4, 4]           GlobalAveragePool -> Gemm -> Sigmoid -> Reshape -> * [64, 64, 32, 32] + [0, 0, 4, 4]
                         (center x, center y, width, height in pixels)
  scores [4], classes [4]  Gemm -> Reshape [4, 2] -> Softmax -> ReduceMax / ArgMax (-> float)
  num_detections [1]     the constant 4 (int32)
Weights are random (seeded).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

K, CLASSES, SIZE = 4, 2, 64


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)

    def tensor(name, array, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(array, dtype), name)

    def weight(name, *shape, scale=0.5):
        return tensor(name, rng.standard_normal(shape) * scale)

    initializers = [
        weight("conv_w", 8, 3, 4, 4), weight("conv_b", 8), weight("mask_w", K, 8, 1, 1, scale=2.0), weight("mask_b", K),
        weight("box_w", 4 * K, 8, scale=2.0), weight("box_b", 4 * K), weight("cls_w", K * CLASSES, 8, scale=3.0),
        weight("cls_b", K * CLASSES), tensor("box_scale", [SIZE, SIZE, SIZE / 2, SIZE / 2]),
        tensor("box_offset", [0, 0, 4, 4]), tensor("masks_shape", [K, 16, 16], np.int64),
        tensor("boxes_shape", [K, 4], np.int64), tensor("cls_shape", [K, CLASSES], np.int64),
        tensor("count", [K], np.int32),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("Relu", ["conv"], ["features"]),
        helper.make_node("Conv", ["features", "mask_w", "mask_b"], ["mask_logits"], kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["mask_logits", "masks_shape"], ["masks"]),
        helper.make_node("GlobalAveragePool", ["features"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["pooled"]),
        helper.make_node("Gemm", ["pooled", "box_w", "box_b"], ["box_raw"], transB=1),
        helper.make_node("Sigmoid", ["box_raw"], ["box_unit"]),
        helper.make_node("Reshape", ["box_unit", "boxes_shape"], ["box_rows"]),
        helper.make_node("Mul", ["box_rows", "box_scale"], ["box_scaled"]),
        helper.make_node("Add", ["box_scaled", "box_offset"], ["boxes"]),
        helper.make_node("Gemm", ["pooled", "cls_w", "cls_b"], ["cls_raw"], transB=1),
        helper.make_node("Reshape", ["cls_raw", "cls_shape"], ["cls_logits"]),
        helper.make_node("Softmax", ["cls_logits"], ["cls_probs"], axis=1),
        helper.make_node("ReduceMax", ["cls_probs"], ["scores"], axes=[1], keepdims=0),
        helper.make_node("ArgMax", ["cls_probs"], ["class_ids"], axis=1, keepdims=0),
        helper.make_node("Cast", ["class_ids"], ["classes"], to=TensorProto.FLOAT),
        helper.make_node("Identity", ["count"], ["num_detections"]),
    ]
    outputs = [helper.make_tensor_value_info("num_detections", TensorProto.INT32, [1]),
               helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [K, 4]),
               helper.make_tensor_value_info("scores", TensorProto.FLOAT, [K]),
               helper.make_tensor_value_info("classes", TensorProto.FLOAT, [K]),
               helper.make_tensor_value_info("masks", TensorProto.FLOAT, [K, 16, 16])]
    graph = helper.make_graph(nodes, "mask_head",
                              [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
                              outputs, initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="trtplug example")
    model.ir_version = 8
    return model


def main(output="mask_head.onnx"):
    model = build_model()
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
