"""YoloDecode: a YOLOv5-style detection head, raw logits to boxes in input pixels and probabilities.

    raw [N, boxes, 5 + classes]  ->  decoded [N, boxes, 5 + classes]

Each row of `raw` is one candidate: tx, ty, tw, th, objectness, then one logit per class. The rows
hold three levels one after the other (strides 8, 16, 32 by default); within a level, the rows go
anchor by anchor, then grid row by grid row, then column by column: YOLOv5's export order (its
view (N, anchors, ny, nx, 5 + classes) flattened). So `boxes` = 3 * (h0*w0 + h1*w1 + h2*w2).
The level layout is given by three list attributes, as in the model's yaml:

- `grid`:    [h0, w0, h1, w1, h2, w2], each level's grid size (the input size / the stride);
- `strides`: [s0, s1, s2], pixels per grid cell;
- `anchors`: [w, h] of three anchors per level, nine pairs, in pixels.

A candidate at level l, anchor a, cell (gx, gy) decodes as YOLOv5 does (sigmoid = s):
cx = (2 s(tx) - 0.5 + gx) * stride, cy likewise, w = (2 s(tw))^2 * anchor_w, h likewise,
objectness and class probabilities = s(logit). `decoded` is then what trtplug's YoloDetector bbox
parser reads with layout "NxC", box "cxcywh" and objectness.

The kernel is `trtplug.blocks.elementwise` given each element's flat index: the index gives the
element's row and column, the row its level, anchor and cell. The list attributes reach the
kernel as 27 int scalars (an int-list attribute is a list of traced ints; a kernel takes scalars).
float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp
from trtplug.blocks import elementwise, launch_elementwise

LEVELS = 3
ANCHORS_PER_LEVEL = 3
YOLOV5_ANCHORS = [10, 13, 16, 30, 33, 23, 30, 61, 62, 45, 59, 119, 116, 90, 156, 198, 373, 326]


@cuda.jit(device=True)
def sigmoid(v):
    return float32(1.0) / (float32(1.0) + math.exp(-v))


@cuda.jit(device=True)
def pick(k, v0, v1, v2, v3, v4, v5, v6, v7, v8):
    """The k-th of nine values (scalars have no index; the branches compile to selects)."""
    if k < 3:
        return v0 if k == 0 else (v1 if k == 1 else v2)
    if k < 6:
        return v3 if k == 3 else (v4 if k == 4 else v5)
    return v6 if k == 6 else (v7 if k == 7 else v8)


@cuda.jit(device=True)
def decode(i, v, channels, boxes, h0, w0, h1, w1, h2, w2, s0, s1, s2,
           aw0, ah0, aw1, ah1, aw2, ah2, aw3, ah3, aw4, ah4, aw5, ah5, aw6, ah6, aw7, ah7, aw8, ah8):
    column = i % channels
    if column >= 4:  # objectness and classes: probabilities
        return sigmoid(v)
    row = (i // channels) % boxes
    cells0 = h0 * w0 * 3
    cells1 = h1 * w1 * 3
    if row < cells0:
        level, first, h, w, stride = 0, 0, h0, w0, s0
    elif row < cells0 + cells1:
        level, first, h, w, stride = 1, cells0, h1, w1, s1
    else:
        level, first, h, w, stride = 2, cells0 + cells1, h2, w2, s2
    local = row - first
    anchor = local // (h * w)
    cell = local - anchor * h * w
    s = sigmoid(v)
    if column == 0:
        return (float32(2.0) * s - float32(0.5) + float32(cell % w)) * float32(stride)
    if column == 1:
        return (float32(2.0) * s - float32(0.5) + float32(cell // w)) * float32(stride)
    k = level * 3 + anchor
    if column == 2:
        size = pick(k, aw0, aw1, aw2, aw3, aw4, aw5, aw6, aw7, aw8)
    else:
        size = pick(k, ah0, ah1, ah2, ah3, ah4, ah5, ah6, ah7, ah8)
    return float32(4.0) * s * s * float32(size)


yolo_decode_kernel = elementwise(decode, inputs=1, params=29, index=True)


class YoloDecode(tp.TrtPlugin):
    """Decodes a raw YOLOv5 head [N, boxes, 5 + classes] into pixel boxes (cx, cy, w, h) and probabilities."""

    inputs = [tp.Input("raw", dtypes=("float32", "float16"), rank=3)]
    outputs = [tp.Output("decoded", like="raw")]
    grid = tp.Attr.int_list([80, 80, 40, 40, 20, 20], length=2 * LEVELS, min=1,
                            doc="[h0, w0, h1, w1, h2, w2]: each level's grid, rows and columns")
    strides = tp.Attr.int_list([8, 16, 32], length=LEVELS, min=1, doc="pixels per grid cell, per level")
    anchors = tp.Attr.int_list(YOLOV5_ANCHORS, length=2 * LEVELS * ANCHORS_PER_LEVEL, min=1,
                               doc="[w, h] of three anchors per level, in pixels")
    tolerance = {"float16": (1e-2, 5e-2)}  # pixel coordinates up to ~600: half precision's ulp there is 0.5
    test_shapes = [{"raw": (1, 25200, 8)}, {"raw": (2, 25200, 6)}]  # the default grid: 25200 rows
    test_cases = [{"attrs": {"grid": [4, 5, 2, 3, 1, 2], "strides": [4, 8, 16],
                             "anchors": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]},
                   "shapes": [{"raw": (1, 84, 6)}, {"raw": (3, 84, 5)}]}]

    def constraints(self, raw):
        h0, w0, h1, w1, h2, w2 = self.grid
        tp.require(raw.shape[1] == ANCHORS_PER_LEVEL * (h0 * w0 + h1 * w1 + h2 * w2),
                   "raw must have 3 * (h0*w0 + h1*w1 + h2*w2) rows, one per anchor and grid cell")
        tp.require(raw.shape[2] >= 5, "raw rows must hold 4 box values, objectness and the class logits")

    def enqueue(self, raw, decoded):
        _, boxes, channels = raw.shape
        launch_elementwise(yolo_decode_kernel, decoded.numel)(
            raw.flat, decoded.flat, channels, boxes, *self.grid, *self.strides, *self.anchors)

    def reference(self, raw):
        v = raw.astype(np.float64)
        s = 1 / (1 + np.exp(-v))
        out = s.copy()
        first = 0
        for level in range(LEVELS):
            h, w = self.grid[2 * level], self.grid[2 * level + 1]
            stride = self.strides[level]
            for a in range(ANCHORS_PER_LEVEL):
                rows = slice(first, first + h * w)
                gy, gx = np.divmod(np.arange(h * w), w)
                aw, ah = self.anchors[2 * (level * ANCHORS_PER_LEVEL + a):][:2]
                out[:, rows, 0] = (2 * s[:, rows, 0] - 0.5 + gx) * stride
                out[:, rows, 1] = (2 * s[:, rows, 1] - 0.5 + gy) * stride
                out[:, rows, 2] = (2 * s[:, rows, 2]) ** 2 * aw
                out[:, rows, 3] = (2 * s[:, rows, 3]) ** 2 * ah
                first += h * w
        return out.astype(raw.dtype)
