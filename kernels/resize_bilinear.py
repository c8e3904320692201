"""ResizeBilinear: NCHW bilinear resize, to an output size or by an integer scale, both attributes.

The output is (N, C, height, width) when `height` and `width` are set (> 0), else
(N, C, H * scale, W * scale). `align_corners` picks how output pixels map onto the input,
as PyTorch's `interpolate(mode="bilinear", align_corners=...)` and ONNX Resize's
coordinate_transformation_mode do:

- false (ONNX "half_pixel"): pixel centres line up, src = (dst + 0.5) * in / out - 0.5, clamped to
  0 below (a source pixel left of the first centre reads the first pixel);
- true ("align_corners"): the corner pixels line up, src = dst * (in - 1) / (out - 1).

Each output element reads the four neighbours around src and mixes them with weights from the
fractional parts. One thread per output element, a grid-stride loop for large tensors;
neighbouring threads take neighbouring output columns, so stores are coalesced and loads hit
the same source rows. float16 tensors are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp

THREADS = 256
MAX_BLOCKS = 16384  # threads loop beyond 4M outputs


@cuda.jit(device=True)
def source_coordinate(dst, in_size, out_size, align_corners):
    """Where output index `dst` falls on the input axis: (lower index, upper index, weight of the upper)."""
    if align_corners:
        src = float32(dst) * float32(in_size - 1) / float32(out_size - 1) if out_size > 1 else float32(0.0)
    else:
        src = max((float32(dst) + float32(0.5)) * float32(in_size) / float32(out_size) - float32(0.5), float32(0.0))
    lower = min(int(math.floor(src)), in_size - 1)
    upper = min(lower + 1, in_size - 1)
    return lower, upper, src - float32(lower)


@cuda.jit
def resize_bilinear_kernel(x, y, align_corners):
    in_h, in_w = x.shape[2], x.shape[3]
    channels, out_h, out_w = y.shape[1], y.shape[2], y.shape[3]
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        col = i % out_w
        row = (i // out_w) % out_h
        plane = i // (out_w * out_h)
        n, c = plane // channels, plane % channels
        y0, y1, wy = source_coordinate(row, in_h, out_h, align_corners)
        x0, x1, wx = source_coordinate(col, in_w, out_w, align_corners)
        top = float32(x[n, c, y0, x0]) * (float32(1.0) - wx) + float32(x[n, c, y0, x1]) * wx
        bottom = float32(x[n, c, y1, x0]) * (float32(1.0) - wx) + float32(x[n, c, y1, x1]) * wx
        y[n, c, row, col] = top * (float32(1.0) - wy) + bottom * wy


def source_coordinates(in_size: int, out_size: int, align_corners: bool):
    """numpy's version of `source_coordinate` for every output index along one axis, in float32 as the
    kernel computes it (a float64 coordinate would move the weights by up to an ulp of float32)."""
    f32 = np.float32
    dst = np.arange(out_size, dtype=f32)
    if align_corners:
        src = dst * f32(in_size - 1) / f32(out_size - 1) if out_size > 1 else np.zeros(out_size, f32)
    else:
        src = np.maximum((dst + f32(0.5)) * f32(in_size) / f32(out_size) - f32(0.5), f32(0.0))
    lower = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    upper = np.minimum(lower + 1, in_size - 1)
    return lower, upper, (src - lower.astype(f32)).astype(np.float64)


class ResizeBilinear(tp.TrtPlugin):
    """y = x resized bilinearly to (height, width), or by `scale` when they are 0"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=4)]
    outputs = [tp.Output("y", dtype_like="x", rank=4)]
    scale = tp.Attr.int(2, min=1, max=64, doc="the factor on H and W when height and width are 0")
    height = tp.Attr.int(0, min=0, doc="output height (0: H * scale)")
    width = tp.Attr.int(0, min=0, doc="output width (0: W * scale)")
    align_corners = tp.Attr.bool(False, doc="true: corner pixels line up; false: pixel centres (half_pixel)")
    test_shapes = [{"x": (1, 2, 5, 7)}, {"x": (2, 3, 16, 16)}, {"x": (1, 1, 1, 1)}]
    test_cases = [{"attrs": {"scale": 3, "align_corners": True}},
                  {"attrs": {"height": 9, "width": 4}, "shapes": [{"x": (2, 2, 5, 7)}, {"x": (1, 3, 1, 9)}]},
                  {"attrs": {"height": 3, "width": 20, "align_corners": True}, "shapes": {"x": (1, 2, 8, 6)}}]

    def constraints(self, x):
        tp.require(x.shape[2] > 0, "x must have at least one row")
        tp.require(x.shape[3] > 0, "x must have at least one column")
        tp.require(((self.height == 0) & (self.width == 0)) | ((self.height > 0) & (self.width > 0)),
                   "set both height and width, or neither")

    def output_shapes(self, x):
        n, c, h, w = x.shape
        by_scale = 1 - tp.min(self.height, 1)  # 1 when height is 0 (use the scale), else 0
        return [(n, c, self.height + by_scale * h * self.scale, self.width + by_scale * w * self.scale)]

    def enqueue(self, x, y):
        blocks = tp.min(tp.cdiv(y.numel, THREADS), MAX_BLOCKS)
        tp.launch(resize_bilinear_kernel, grid=blocks, block=THREADS)(x, y, self.align_corners)

    def reference(self, x):
        n, c, h, w = x.shape
        out_h, out_w = (self.height, self.width) if self.height else (h * self.scale, w * self.scale)
        y0, y1, wy = source_coordinates(h, out_h, self.align_corners)
        x0, x1, wx = source_coordinates(w, out_w, self.align_corners)
        v = x.astype(np.float64)
        wx, wy = wx[None, None, None, :], wy[None, None, :, None]
        top = v[:, :, y0][:, :, :, x0] * (1 - wx) + v[:, :, y0][:, :, :, x1] * wx
        bottom = v[:, :, y1][:, :, :, x0] * (1 - wx) + v[:, :, y1][:, :, :, x1] * wx
        return (top * (1 - wy) + bottom * wy).astype(x.dtype)
