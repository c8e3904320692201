"""Building blocks for plugin kernels: fast elementwise kernels, warp/block reductions, row launches.

Importing trtplug never imports Numba; this package does, so kernel files import it explicitly:

    from trtplug.blocks import elementwise, launch_elementwise, block_sum, launch_rows, grid_reduction

See docs/building-blocks.md.
"""
from .elementwise import (MAX_BLOCKS, THREADS as ELEMENTWISE_THREADS, broadcast_index, elementwise,
                          elementwise_grid, launch_elementwise)
from .grid_reduce import REDUCTION_PARTIALS, GridReduction, grid_reduction, launch_grid_reduction, reduction_grid
from .memory import GROUP, is_aligned, load_group, load_one, store_group, store_one
from .reduce import (block_max, block_softmax_stats, block_sum, block_welford, softmax_add, softmax_merge,
                     warp_max, warp_softmax_stats, warp_sum, warp_welford, welford_add, welford_merge)
from .rows import (MAX_ROW_COLS, ROW_CHUNKS, ROW_VALUES, launch_rows, load_row, row_chunk, row_fits, row_max,
                   row_squared_deviations, row_sum, row_threads, store_row)

__all__ = [
    "elementwise", "elementwise_grid", "launch_elementwise", "broadcast_index", "ELEMENTWISE_THREADS",
    "MAX_BLOCKS", "GROUP", "is_aligned", "load_group", "store_group", "load_one", "store_one",
    "warp_sum", "warp_max", "block_sum", "block_max", "welford_add", "welford_merge", "warp_welford",
    "block_welford", "softmax_add", "softmax_merge", "warp_softmax_stats", "block_softmax_stats",
    "row_threads", "launch_rows", "ROW_CHUNKS", "ROW_VALUES", "MAX_ROW_COLS", "row_fits", "row_chunk", "load_row",
    "store_row", "row_sum", "row_max", "row_squared_deviations",
    "grid_reduction", "launch_grid_reduction", "reduction_grid", "GridReduction", "REDUCTION_PARTIALS",
]
