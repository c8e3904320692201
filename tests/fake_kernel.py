"""A stand-in for a @cuda.jit dispatcher, for tests that trace plugins without compiling kernels."""


class FakeKernel:
    """Tracing only looks for py_func."""

    def __init__(self, name="fake_kernel"):
        def fn(*args):
            pass
        fn.__qualname__ = name
        self.py_func = fn
