"""Numba kernels the ahead-of-time compile tests build (one per supported feature)."""
