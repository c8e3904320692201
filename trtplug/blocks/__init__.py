"""Building blocks for plugin kernels (imports Numba: import it from kernel files, not from trtplug)."""
