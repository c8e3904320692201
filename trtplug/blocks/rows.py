"""Launch shape for row-wise kernels: one block per row, threads looping over the row's columns.

`row_threads(cols)` picks a block of whole warps with about four columns per thread, between one
warp (short rows) and 1024 threads (rows of 4096 and longer loop over the rest); it is a traced
expression, so it follows the row length TensorRT gives at run time.

    import trtplug as tp
    from trtplug.blocks import launch_rows

    def enqueue(self, x, y):                       # in a TrtPlugin: x of shape (..., C)
        cols = x.shape[-1]
        launch_rows(softmax_kernel, x.numel // cols, cols)(x.flat, y.flat, cols)
"""
WARP = 32
COLUMNS_PER_THREAD = 4
MAX_THREADS = 1024


def row_threads(cols):
    """Threads per block for rows of `cols` elements: a multiple of 32 in [32, 1024]."""
    import trtplug as tp
    return tp.min(tp.max(tp.cdiv(cols, WARP * COLUMNS_PER_THREAD), 1) * WARP, MAX_THREADS)


def launch_rows(kernel, rows, cols):
    """`tp.launch` of a one-block-per-row kernel; call the result with the kernel's arguments."""
    import trtplug as tp
    return tp.launch(kernel, grid=rows, block=row_threads(cols))
