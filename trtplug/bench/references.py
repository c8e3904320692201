"""The ops of kernels/ as Triton kernels and in PyTorch eager: the baselines of `trtplug bench`
and benchmarks/kernels_vs_baselines.py. torch and triton are optional: without them there are
no baselines (available() says why).

    launchers("Mish", [x], [y], {})   # {"triton": fn, "torch": fn}: each call launches once
"""
from __future__ import annotations

from typing import Callable

try:
    import torch
    import torch.nn.functional as F
except ImportError as exc:  # pragma: no cover - depends on the machine
    torch = None
    _MISSING = f"torch is not installed ({exc})"
else:
    _MISSING = ""

try:
    import triton
    import triton.language as tl
    try:
        from triton.language.extra import libdevice
    except ImportError:  # older Triton
        from triton.language.extra.cuda import libdevice
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

if triton is not None:
    @triton.jit
    def load_block(x_ptr, n, BLOCK: tl.constexpr):
        """This program's block of a flat tensor of n elements: (offsets, in-bounds mask, loaded x)."""
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        return offs, mask, tl.load(x_ptr + offs, mask=mask)

    @triton.jit
    def mish_triton(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        offs, mask, x = load_block(x_ptr, n, BLOCK)
        v = x.to(tl.float32)
        sp = tl.where(v > 20.0, v + libdevice.log1p(tl.exp(-v)), libdevice.log1p(tl.exp(v)))
        tl.store(y_ptr + offs, (v * libdevice.tanh(sp)).to(x.dtype), mask=mask)

    @triton.jit
    def hard_swish_triton(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        offs, mask, x = load_block(x_ptr, n, BLOCK)
        v = x.to(tl.float32)
        t = tl.minimum(tl.maximum(v + 3.0, 0.0), 6.0)
        tl.store(y_ptr + offs, (v * t / 6.0).to(x.dtype), mask=mask)

    @triton.jit
    def scaled_add_triton(x_ptr, b_ptr, y_ptr, alpha, n, BLOCK: tl.constexpr):
        offs, mask, x = load_block(x_ptr, n, BLOCK)
        b = tl.load(b_ptr + offs, mask=mask)
        tl.store(y_ptr + offs, (x.to(tl.float32) + alpha * b.to(tl.float32)).to(x.dtype), mask=mask)

    @triton.jit
    def layer_norm_triton(x_ptr, w_ptr, b_ptr, y_ptr, cols, eps, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        offs = tl.arange(0, BLOCK)
        mask = offs < cols
        x = tl.load(x_ptr + row * cols + offs, mask=mask, other=0.0)
        v = x.to(tl.float32)
        mean = tl.sum(v, axis=0) / cols
        d = tl.where(mask, v - mean, 0.0)
        inv_std = 1.0 / tl.sqrt(tl.sum(d * d, axis=0) / cols + eps)
        w = tl.load(w_ptr + offs, mask=mask).to(tl.float32)
        b = tl.load(b_ptr + offs, mask=mask).to(tl.float32)
        tl.store(y_ptr + row * cols + offs, (d * inv_std * w + b).to(x.dtype), mask=mask)

    @triton.jit
    def softmax_triton(x_ptr, y_ptr, cols, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        offs = tl.arange(0, BLOCK)
        mask = offs < cols
        x = tl.load(x_ptr + row * cols + offs, mask=mask, other=-float("inf"))
        v = x.to(tl.float32)
        e = tl.exp(v - tl.max(v, axis=0))
        tl.store(y_ptr + row * cols + offs, (e / tl.sum(e, axis=0)).to(x.dtype), mask=mask)


def available() -> str:
    """"" when the baselines can run, else why not."""
    if torch is None:
        return _MISSING
    if not torch.cuda.is_available():
        return "torch sees no CUDA device"
    return ""


def versions() -> dict:
    found = {}
    if torch is not None:
        found["torch"] = torch.__version__
        found["torch_cuda"] = torch.version.cuda
    if triton is not None:
        found["triton"] = triton.__version__
    return found


def elementwise_triton(kernel, n, *args):
    block = 1024
    return lambda: kernel[(triton.cdiv(n, block),)](*args, n, BLOCK=block)


def rows_triton(kernel, rows, cols, *args, epsilon=None):
    block = triton.next_power_of_2(cols)
    warps = min(max(block // 512, 4), 16)
    extra = [] if epsilon is None else [epsilon]
    return lambda: kernel[(rows,)](*args, cols, *extra, BLOCK=block, num_warps=warps)


def launchers(plugin: str, inputs: list, outputs: list, attributes: dict) -> dict[str, Callable[[], object]]:
    """{"triton": fn, "torch": fn} for a plugin of kernels/ on these torch tensors; {} for another
    plugin (or shapes the Triton kernel does not cover: then only "torch")."""
    if torch is None:
        return {}
    found: dict[str, Callable[[], object]] = {}
    x, y = inputs[0], outputs[0]
    n = x.numel()
    if plugin == "Mish":
        found["torch"] = lambda: F.mish(x)
        if triton is not None:
            found["triton"] = elementwise_triton(mish_triton, n, x, y)
    elif plugin == "HardSwish":
        found["torch"] = lambda: F.hardswish(x)
        if triton is not None:
            found["triton"] = elementwise_triton(hard_swish_triton, n, x, y)
    elif plugin == "ScaledAdd":
        b, alpha = inputs[1], float(attributes.get("alpha", 1.0))
        found["torch"] = lambda: torch.add(x, b, alpha=alpha, out=y)
        if triton is not None and b.shape == x.shape:
            found["triton"] = elementwise_triton(scaled_add_triton, n, x, b, y, alpha)
    elif plugin == "LayerNorm":
        w, b, eps = inputs[1], inputs[2], float(attributes.get("epsilon", 1e-5))
        cols = w.numel()
        found["torch"] = lambda: F.layer_norm(x, (cols,), w, b, eps)
        if triton is not None:
            found["triton"] = rows_triton(layer_norm_triton, n // cols, cols, x, w, b, y, epsilon=eps)
    elif plugin == "Softmax" and x.dim() == 2:
        found["torch"] = lambda: torch.softmax(x, dim=-1)
        if triton is not None:
            found["triton"] = rows_triton(softmax_triton, x.shape[0], x.shape[1], x, y)
    return found
