"""RoiAlign: a fixed-size feature map per region of interest, averaged from bilinear samples
(Mask R-CNN's ROIAlign; ONNX RoiAlign with mode "avg").

    x [N, C, H, W], rois [R, 4] (x1, y1, x2, y2 in input pixels), batch_index [R] (int32)
        ->  y [R, C, output_height, output_width]

Region r is cut from image batch_index[r], its corners scaled by `spatial_scale` onto the feature
map (1 / the feature stride) and, with `aligned` (ONNX's "half_pixel", the default as in
torchvision's roi_align(aligned=True)), shifted by half a pixel. Its box is split into
output_height x output_width bins; each bin averages `sampling_ratio` x `sampling_ratio` bilinear
samples spread evenly over it (`sampling_ratio` 0: ceil(bin size) samples per axis, per region).
Without `aligned`, regions are at least one pixel wide and high. An inverted region (x2 < x1 with
`aligned`) takes at least one sample per bin where torchvision's adaptive count would take none. A sample more than one pixel
outside the map counts as 0; one just outside reads the border. A batch index outside [0, N)
gives the region zeros instead of reading another image's memory.

One thread per output element (region, channel, bin), a grid-stride loop; neighbouring threads
take neighbouring bins of one channel, so their samples fall close together. float16 tensors
are computed in float32.
"""
import math

import numpy as np
from numba import cuda, float32

import trtplug as tp

THREADS = 256
MAX_BLOCKS = 16384


@cuda.jit(device=True)
def bilinear(x, n, c, h, w, sy, sx):
    """x[n, c] at (sy, sx): 0 more than a pixel outside the map; the border just outside it."""
    if sy < float32(-1.0) or sy > float32(h) or sx < float32(-1.0) or sx > float32(w):
        return float32(0.0)
    sy = max(sy, float32(0.0))
    sx = max(sx, float32(0.0))
    y0 = min(int(sy), h - 1)
    x0 = min(int(sx), w - 1)
    y1 = min(y0 + 1, h - 1)
    x1 = min(x0 + 1, w - 1)
    if y0 == h - 1:
        sy = float32(y0)
    if x0 == w - 1:
        sx = float32(x0)
    ly = sy - float32(y0)
    lx = sx - float32(x0)
    top = float32(x[n, c, y0, x0]) * (float32(1.0) - lx) + float32(x[n, c, y0, x1]) * lx
    bottom = float32(x[n, c, y1, x0]) * (float32(1.0) - lx) + float32(x[n, c, y1, x1]) * lx
    return top * (float32(1.0) - ly) + bottom * ly


@cuda.jit
def roi_align_kernel(x, rois, batch_index, y, spatial_scale, sampling_ratio, aligned):
    images, channels, h, w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
    out_h, out_w = y.shape[2], y.shape[3]
    offset = float32(0.5) if aligned else float32(0.0)
    for i in range(cuda.grid(1), y.size, cuda.gridsize(1)):
        bx = i % out_w
        by = (i // out_w) % out_h
        c = (i // (out_w * out_h)) % channels
        r = i // (out_w * out_h * channels)
        n = batch_index[r]
        if n < 0 or n >= images:
            y[r, c, by, bx] = float32(0.0)
            continue
        x1 = float32(rois[r, 0]) * spatial_scale - offset
        y1 = float32(rois[r, 1]) * spatial_scale - offset
        roi_w = float32(rois[r, 2]) * spatial_scale - offset - x1
        roi_h = float32(rois[r, 3]) * spatial_scale - offset - y1
        if not aligned:
            roi_w = max(roi_w, float32(1.0))
            roi_h = max(roi_h, float32(1.0))
        bin_w = roi_w / float32(out_w)
        bin_h = roi_h / float32(out_h)
        samples_y = sampling_ratio if sampling_ratio > 0 else max(int(math.ceil(roi_h / float32(out_h))), 1)
        samples_x = sampling_ratio if sampling_ratio > 0 else max(int(math.ceil(roi_w / float32(out_w))), 1)
        total = float32(0.0)
        for iy in range(samples_y):
            sy = y1 + float32(by) * bin_h + (float32(iy) + float32(0.5)) * bin_h / float32(samples_y)
            for ix in range(samples_x):
                sx = x1 + float32(bx) * bin_w + (float32(ix) + float32(0.5)) * bin_w / float32(samples_x)
                total += bilinear(x, n, c, h, w, sy, sx)
        y[r, c, by, bx] = total / float32(samples_y * samples_x)


def reference_bilinear(plane, sy, sx):
    """numpy's `bilinear` on one [H, W] plane at one point."""
    h, w = plane.shape
    if sy < -1.0 or sy > h or sx < -1.0 or sx > w:
        return 0.0
    sy, sx = max(sy, 0.0), max(sx, 0.0)
    y0, x0 = min(int(sy), h - 1), min(int(sx), w - 1)
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    sy = float(y0) if y0 == h - 1 else sy
    sx = float(x0) if x0 == w - 1 else sx
    ly, lx = sy - y0, sx - x0
    top = plane[y0, x0] * (1 - lx) + plane[y0, x1] * lx
    bottom = plane[y1, x0] * (1 - lx) + plane[y1, x1] * lx
    return top * (1 - ly) + bottom * ly


class RoiAlign(tp.TrtPlugin):
    """y[r] = x[batch_index[r]] cut to rois[r] and averaged into output_height x output_width bins"""

    inputs = [tp.Input("x", dtypes=("float32", "float16"), rank=4),
              tp.Input("rois", dtypes=("float32", "float16"), rank=2),
              tp.Input("batch_index", dtypes=("int32",), rank=1)]
    outputs = [tp.Output("y", dtype_like="x", rank=4)]
    output_height = tp.Attr.int(7, min=1, max=1024)
    output_width = tp.Attr.int(7, min=1, max=1024)
    sampling_ratio = tp.Attr.int(2, min=0, max=64, doc="samples per bin and axis; 0: ceil(bin size)")
    spatial_scale = tp.Attr.float(1.0, min=0.0, doc="input pixels to feature-map pixels (1 / the stride)")
    aligned = tp.Attr.bool(True, doc="shift the box by half a pixel (ONNX 'half_pixel')")
    # Region corners from [-2, 20) on maps of 16x16 pixels: boxes in, across and beyond the border,
    # some inverted (x2 < x1); batch indices in [-1, 3), so some regions name no image of 2 or 3.
    test_ranges = {"rois": (-2.0, 20.0), "batch_index": (-1, 3)}
    # Rounding of sample positions moves float16 results by a few ulps of their ~3-magnitude values.
    tolerance = {"float32": (1e-4, 1e-4), "float16": (2e-2, 2e-2)}
    test_shapes = [{"x": (2, 3, 16, 16), "rois": (5, 4), "batch_index": (5,)},
                   {"x": (3, 2, 16, 13), "rois": (9, 4), "batch_index": (9,)}]
    test_cases = [{"attrs": {"output_height": 2, "output_width": 3, "sampling_ratio": 0, "spatial_scale": 0.5,
                             "aligned": False}},
                  {"attrs": {"sampling_ratio": 1, "spatial_scale": 0.25}}]

    def constraints(self, x, rois, batch_index):
        tp.require(rois.shape[1] == 4, "rois must be [R, 4]: x1, y1, x2, y2")
        tp.require(batch_index.shape[0] == rois.shape[0], "batch_index must hold one image index per region")

    def output_shapes(self, x, rois, batch_index):
        return [(rois.shape[0], x.shape[1], self.output_height, self.output_width)]

    def enqueue(self, x, rois, batch_index, y):
        blocks = tp.min(tp.cdiv(y.numel, THREADS), MAX_BLOCKS)
        tp.launch(roi_align_kernel, grid=blocks, block=THREADS)(
            x, rois, batch_index, y, self.spatial_scale, tp.scalar(self.sampling_ratio, "int32"), self.aligned)

    def reference(self, x, rois, batch_index):
        f32 = np.float32
        images, channels, h, w = x.shape
        out_h, out_w = self.output_height, self.output_width
        y = np.zeros((rois.shape[0], channels, out_h, out_w), np.float64)
        scale, offset = f32(self.spatial_scale), f32(0.5 if self.aligned else 0.0)
        for r, (box, n) in enumerate(zip(rois.astype(f32), batch_index)):
            if not 0 <= n < images:
                continue
            x1, y1 = box[0] * scale - offset, box[1] * scale - offset
            roi_w, roi_h = box[2] * scale - offset - x1, box[3] * scale - offset - y1
            if not self.aligned:
                roi_w, roi_h = max(roi_w, f32(1)), max(roi_h, f32(1))
            bin_w, bin_h = roi_w / f32(out_w), roi_h / f32(out_h)
            ratio = self.sampling_ratio
            sy_n = ratio if ratio > 0 else max(int(math.ceil(roi_h / f32(out_h))), 1)
            sx_n = ratio if ratio > 0 else max(int(math.ceil(roi_w / f32(out_w))), 1)
            for c in range(channels):
                plane = x[n, c].astype(np.float64)
                for by in range(out_h):
                    for bx in range(out_w):
                        total = 0.0
                        for iy in range(sy_n):
                            sy = y1 + f32(by) * bin_h + (f32(iy) + f32(0.5)) * bin_h / f32(sy_n)
                            for ix in range(sx_n):
                                sx = x1 + f32(bx) * bin_w + (f32(ix) + f32(0.5)) * bin_w / f32(sx_n)
                                total += reference_bilinear(plane, float(sy), float(sx))
                        y[r, c, by, bx] = total / (sy_n * sx_n)
        return y.astype(x.dtype)
