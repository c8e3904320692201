"""A detector whose ONNX model uses a custom op TensorRT lacks, deployed with DeepStream.

One library holds both what TensorRT needs and what Gst-nvinfer needs:
  * the `SigmoidDecode` plugin: the model's last op (ONNX op type "SigmoidDecode"), which turns the
    raw head [1, 4+C, N] into boxes in pixels and class probabilities, both [1, 4+C, N];
  * the `NvDsInferParseYoloDecoded` bbox parser, reading that output (YOLOv8-style "CxN" layout,
    center boxes, no objectness) — named in the nvinfer config's parse-bbox-func-name.

Build, configure and check it (see README.md in this folder):
    python make_model.py                                   # writes detector.onnx
    trtplug compile yolo_deepstream.py -o build/ --name yolo_deepstream
    trtplug deepstream config -o build/config_infer.txt --lib build/libyolo_deepstream.so \\
        --onnx detector.onnx --network-type detector --num-classes 3 --infer-dims 3,64,64
    trtplug deepstream check build/config_infer.txt
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
import trtplug.deepstream as tds
from trtplug.blocks import elementwise, launch_elementwise

NUM_CLASSES = 3


@cuda.jit(device=True)
def sigmoid(v):
    return float32(1.0) / (float32(1.0) + math.exp(-v))


@cuda.jit(device=True)
def decode(i, v, stride, channels, anchors):
    """Output element i of [batch, 4+C, N] from its raw value v; what it is depends on its channel."""
    a = i % anchors  # anchor a sits at cell (a % 8, a // 8) of the 8x8 grid
    c = (i // anchors) % channels
    if c < 2:    # box center, in grid cells -> pixels
        return (sigmoid(v) + float32(a % 8 if c == 0 else a // 8)) * stride
    if c < 4:    # box size: exp(v) cells -> pixels
        return math.exp(min(v, float32(8.0))) * stride
    return sigmoid(v)  # class probability


# index=True: decode gets each element's flat index, to find its channel and anchor.
sigmoid_decode_kernel = elementwise(decode, inputs=1, params=3, index=True)


class SigmoidDecode(tp.TrtPlugin):
    """Decodes a raw [1, 4+C, N] YOLO head (N = 8x8 anchors) into pixel boxes and probabilities."""

    inputs = [tp.Input("raw", dtypes=("float32",), rank=3)]
    outputs = [tp.Output("decoded", like="raw")]
    stride = tp.Attr.float(8.0, min=1.0, doc="pixels per grid cell")
    test_shapes = [{"raw": (1, 4 + NUM_CLASSES, 64)}]

    def enqueue(self, raw, decoded):
        _, channels, anchors = raw.shape
        launch_elementwise(sigmoid_decode_kernel, decoded.numel)(raw.flat, decoded.flat, self.stride, channels,
                                                                 anchors)

    def reference(self, raw):
        v = raw.astype(np.float64)
        out = np.empty_like(v)
        anchors = v.shape[2]
        a = np.arange(anchors)
        sig = 1 / (1 + np.exp(-v))
        out[0, 0] = (sig[0, 0] + a % 8) * self.stride
        out[0, 1] = (sig[0, 1] + a // 8) * self.stride
        out[0, 2:4] = np.exp(np.minimum(v[0, 2:4], 8.0)) * self.stride
        out[0, 4:] = sig[0, 4:]
        return out.astype(np.float32)


detector = tds.YoloDetector("NvDsInferParseYoloDecoded", layer="decoded", layout="CxN", box="cxcywh",
                            num_classes=NUM_CLASSES, labels=["person", "bicycle", "car"])
