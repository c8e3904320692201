"""`trtplug bench`: times plugins per dtype and size, side by side with what they are measured against.

Columns of one run (docs/benchmarks.md): the plugin through the C API, through the TensorRT
adapter's enqueue (the lifecycle harness in --bench mode), a bare cuLaunchKernel of the same cubin
with the same arguments, a device-to-device copy of the same bytes, and, where torch/triton are
installed and the plugin is one of kernels/, the same op in Triton and in PyTorch eager; then the
time from dlopen to the first finished enqueue, from the cubin and from the PTX.

Modules: cases (what to time), timing (CUDA-event timing), bare_launch, startup, harness_bench,
references (Triton/PyTorch), suite (--prepare/--run folders), runner (one run), report (table, JSON).
"""
from .capi import BenchResult, time_plugin

__all__ = ["BenchResult", "time_plugin"]
