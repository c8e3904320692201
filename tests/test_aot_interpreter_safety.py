"""Compiling fp16 kernels calls NVRTC, which writes into Python buffers: it must never write into
shared immutable objects (CPython interns one-byte bytes such as b" ")."""
from urllib.parse import unquote

import pytest


def test_fp16_compile_leaves_interned_bytes_alone(tmp_path):
    pytest.importorskip("numba.cuda")
    from aot_kernels.kernels import half_axpb
    from trtplug.aot.compiler import clear_memory_cache, compile_kernel
    from trtplug.aot.signature import ArrayArg, ScalarArg

    clear_memory_cache()
    compile_kernel(half_axpb, (ArrayArg("float16", 1), ArrayArg("float16", 1), ScalarArg("float16"),
                               ArrayArg("float16", 1)), archs=[90], cache_dir=tmp_path)
    assert b" " == bytes([32])
    assert unquote("a%20b") == "a b"
