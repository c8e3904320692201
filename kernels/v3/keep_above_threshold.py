"""KeepAboveThreshold: the boxes whose score exceeds a threshold, in input order, and how many.

    boxes [N, 4], scores [N]  ->  kept [count, 4], kept_scores [count], count (0-d int32)

`count` is known only once the kernel has run: the outputs are data-dependent (tp.data_dependent),
bounded by N, and `count` is their size tensor, which TensorRT reads to learn their extent. Such
outputs need an IPluginV3 library (`--interface v3`, TensorRT >= 10).

Detection pipelines expect the kept boxes in input order, which an atomic counter would not keep.
So one block walks the boxes in chunks of THREADS, in order: each thread flags its box, a scan of
the flags in shared memory gives each kept box its place among the chunk's kept ones, and the
running total (the same in every thread) places the chunk after the previous ones. One block is
plenty for the few thousand to hundred thousand candidates of a detector; the work per box is a
load, about log2(THREADS) shared-memory steps and, when kept, five stores.
"""
import numpy as np
from numba import cuda, int32

import trtplug as tp

THREADS = 256


@cuda.jit
def keep_above_threshold_kernel(boxes, scores, kept, kept_scores, count, threshold, n):
    ranks = cuda.shared.array(THREADS, int32)  # inclusive scan of the chunk's flags
    tid = cuda.threadIdx.x
    total = 0  # boxes kept in earlier chunks
    for base in range(0, n, THREADS):
        i = base + tid
        keep = 1 if i < n and scores[i] > threshold else 0
        ranks[tid] = keep
        cuda.syncthreads()
        step = 1
        while step < THREADS:  # Hillis-Steele: after the step, ranks[t] sums flags t-2*step+1..t
            before = ranks[tid - step] if tid >= step else 0
            cuda.syncthreads()
            ranks[tid] += before
            cuda.syncthreads()
            step *= 2
        if keep:
            row = total + ranks[tid] - 1
            for c in range(4):
                kept[row, c] = boxes[i, c]
            kept_scores[row] = scores[i]
        total += ranks[THREADS - 1]
        cuda.syncthreads()  # every thread has read ranks before the next chunk writes it
    if tid == 0:
        count[0] = total


class KeepAboveThreshold(tp.TrtPlugin):
    """kept = boxes[scores > threshold], kept_scores = scores[scores > threshold], count = their number"""

    inputs = [tp.Input("boxes", dtypes=("float32", "float16"), rank=2),
              tp.Input("scores", dtypes=("float32", "float16"), rank=1)]
    outputs = [tp.Output("kept", dtype_like="boxes", rank=2),
               tp.Output("kept_scores", dtype_like="scores", rank=1),
               tp.size_output("count")]
    threshold = tp.Attr.float(0.5, doc="a box is kept when its score is greater")
    test_shapes = [{"boxes": (1, 4), "scores": (1,)}, {"boxes": (300, 4), "scores": (300,)},
                   {"boxes": (5000, 4), "scores": (5000,)}]
    # Scores are 3 * N(0, 1): a threshold of 100 keeps none, -100 every box, the default about 43%.
    test_cases = [{"attrs": {"threshold": 100.0}}, {"attrs": {"threshold": -100.0}}]

    def constraints(self, boxes, scores):
        tp.require(boxes.shape[1] == 4, "boxes must be [N, 4]")
        tp.require(scores.shape[0] == boxes.shape[0], "scores must have one entry per box")

    def output_shapes(self, boxes, scores):
        kept = tp.data_dependent("count", upper=boxes.shape[0])
        return [(kept, 4), (kept,), ()]

    def enqueue(self, boxes, scores, kept, kept_scores, count):
        tp.launch(keep_above_threshold_kernel, grid=1, block=THREADS)(
            boxes, scores, kept, kept_scores, count.flat, self.threshold, tp.scalar(scores.shape[0], "int32"))

    def reference(self, boxes, scores):
        keep = scores.astype(np.float32) > np.float32(self.threshold)
        return boxes[keep], scores[keep], np.int32(keep.sum())
