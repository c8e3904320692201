"""Tracing: shape/launch expressions and the mistakes that cannot be traced."""
import pytest

import trtplug as tp
from trtplug.errors import TraceError
from trtplug.trace.expr import Const, Dim, Numel, cdiv
from trtplug.trace.tracer import trace

from fake_kernel import FakeKernel


K = FakeKernel()


def plugin(enqueue, **members):
    body = {"inputs": [tp.Input("x", dtypes=("float32", "float16"), rank=2)],
            "outputs": [tp.Output("y", like="x")], "enqueue": enqueue}
    body.update(members)
    return type("P", (tp.TrtPlugin,), body).spec()


def test_expressions_fold_constants_and_evaluate():
    n = Numel(0, "x")
    assert str(cdiv(n, 256)) == "cdiv(x.numel, 256)"
    assert (n * 1) is n and (0 + n) is n
    assert cdiv(Const(1000), 256) == Const(4)
    e = tp.max(Dim(0, 1) // 2, 3) + tp.min(Dim(0, 0), 7) - 1
    assert e.evaluate([(5, 9)], {}) == max(9 // 2, 3) + min(5, 7) - 1
    assert cdiv(n, 256).program() == (3, 0, 1, 256, 14)


def test_trace_records_launch_expressions_per_dtype():
    def enqueue(self, x, y):
        rows, cols = x.shape
        tp.launch(K, grid=(tp.cdiv(cols, 32), rows), block=(32, 4), shared=cols * 4)(
            x, y.flat, self.alpha, tp.scalar(self.k, "int32"), 1.5, True)

    spec = plugin(enqueue, alpha=tp.Attr.float(1.0), k=tp.Attr.int(3))
    traced = trace(spec)
    assert [v.io_types for v in traced.variants] == [("float32", "float32"), ("float16", "float16")]
    launch = traced.variants[1].launches[0]
    assert [str(g) for g in launch.grid] == ["cdiv(x.shape[1], 32)", "x.shape[0]", "1"]
    assert [str(b) for b in launch.block] == ["32", "4", "1"]
    assert str(launch.shared_bytes) == "(x.shape[1] * 4)"
    kinds = [(a.kind, a.dtype) for a in launch.args]
    assert kinds == [("tensor", "float16"), ("tensor", "float16"), ("scalar_attr", "float32"),
                     ("scalar_expr", "int32"), ("scalar_const", "float32"), ("scalar_const", "bool")]
    assert [str(d) for d in launch.args[1].view_shape] == ["x.numel"]
    assert [str(s) for s in launch.signature] == ["float16[:, ::1]", "float16[::1]", "float32", "int32",
                                                 "float32", "bool"]


def test_output_shapes_with_attributes_and_workspace():
    def output_shapes(self, x):
        return [(x.shape[0], x.shape[1] * self.factor)]

    def workspace(self, x):
        return {"partial": tp.Buffer("float32", (x.shape[0],))}

    def enqueue(self, x, y, partial):
        tp.launch(K, grid=x.shape[0], block=128)(x, partial)
        tp.launch(K, grid=x.shape[0], block=128)(partial, y)

    spec = plugin(enqueue, outputs=[tp.Output("y", dtype_like="x", rank=2)], output_shapes=output_shapes,
                  workspace=workspace, factor=tp.Attr.int(2, min=1))
    traced = trace(spec)
    assert [str(d) for d in traced.outputs[0].dims] == ["x.shape[0]", "(x.shape[1] * self.factor)"]
    variant = traced.variants[0]
    assert [name for name, _ in variant.workspace] == ["partial"]
    assert [a.kind for a in variant.launches[0].args] == ["tensor", "workspace"]
    assert len(variant.launches) == 2


TRACE_MISTAKES = [
    (lambda self, x, y: None, r"P\.enqueue: launched no kernel"),
    (lambda self, x, y: tp.launch(print, grid=1, block=1)(x), r"expected a Numba CUDA kernel"),
    (lambda self, x, y: tp.launch(K, grid=1, block=2048)(x), r"2048 threads per block exceeds the CUDA limit of 1024"),
    (lambda self, x, y: tp.launch(K, grid=0, block=1)(x), r"grid: dims must be positive, got 0"),
    (lambda self, x, y: tp.launch(K, grid=(1, 1, 1, 1), block=1)(x), r"grid: expected 1 to 3 dims, got 4"),
    (lambda self, x, y: tp.launch(K, grid=x.numel / 256, block=1)(x), r"cannot use '/' \(true division\)"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if x.shape[0] > 4 else None,
     r"cannot use '>' \(x\.shape\[0\] > 4\) as a condition"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if x.shape[0] <= 4 else None, r"cannot use '<='"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if x.shape[0] >= x.shape[1] else None, r"cannot use '>='"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if x.shape[0] != 4 else None, r"cannot use '!='"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if (x.shape[0] > 1) | (x.shape[1] > 1) else None,
     r"cannot use '\|'.*Hint: state what the inputs must satisfy with tp\.require"),
    (lambda self, x, y: tp.launch(K, grid=x.shape[0] > 1, block=1)(x), r"the condition \(x\.shape\[0\] > 1\) is not a number"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(self.scales),
     r"P\.enqueue: tp\.launch\(fake_kernel\) argument 0: self\.scales is a float-list attribute; float-list "
     r"attributes cannot be passed to a kernel.*Hint: declare one tp\.Attr\.float per value"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x, tp.scalar(self.mode, "int32")),
     r"argument 1: tp\.scalar: self\.mode is a string attribute; string attributes cannot be passed to a kernel"
     r".*Hint: choose the behaviour with an int or bool attribute"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if self.mode == "a" else None,
     r"self\.mode is a string attribute and cannot be used while tracing"),
    (lambda self, x, y: tp.require(x.shape[0] > 1, "rows"), r"tp\.require can only be called inside a plugin's "
     r"constraints"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)("text"), r"argument 0: cannot pass str 'text' to a kernel"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x=x), r"kernel arguments must be positional"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x[0]), r"indexing 'x' in enqueue is not possible"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(self.alpha * 2), r"self\.alpha is a float attribute"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(self.mode), r"self\.mode is a string attribute"),
    (lambda self, x, y: tp.launch(K, grid=x.numel // 0, block=1)(x), r"division by zero"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1, shared=-4)(x), r"shared memory size -4 is negative"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(tp.scalar(1, "complex64")), r"unknown scalar dtype 'complex64'"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x.view()), r"view\(\) needs 1 to 8 dims"),
    (lambda self, x, y: tp.launch(K, grid=int(x.shape[0]), block=1)(x), r"cannot use int\(\)"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(self.pads[5]), r"self\.pads\[5\] is out of range \(length 2\)"),
    (lambda self, x, y: tp.launch(K, grid=len(self.sizes), block=1)(x), r"len\(self\.sizes\) is unknown at trace time"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x) if x.shape[1] == 1 else None, r"cannot use '=='"),
    (lambda self, x, y: tp.launch(K, grid=x.numel + tp.cdiv(2**62, 1) * 4, block=1)(x), r"does not fit in int64"),
    (lambda self, x, y: (tp.launch(K, grid=1, block=1), tp.launch(K, grid=1, block=1)(x)) and None,
     r"tp\.launch\(fake_kernel\) was never given its kernel arguments"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x, float("inf")), r"the constant inf is not finite"),
    (lambda self, x, y: tp.launch(K, grid=1, block=1)(x, tp.scalar(1e6, "float16")), r"does not fit float16"),
]


@pytest.mark.parametrize("enqueue,message", TRACE_MISTAKES, ids=[m for _, m in TRACE_MISTAKES])
def test_trace_mistake_is_reported(enqueue, message):
    spec = plugin(enqueue, alpha=tp.Attr.float(1.0), mode=tp.Attr.string("a"),
                  pads=tp.Attr.int_list([0, 0], length=2), sizes=tp.Attr.int_list([1]),
                  scales=tp.Attr.float_list([1.0, 2.0]))
    with pytest.raises(TraceError, match=message):
        trace(spec)


def test_shape_of_rankless_input_is_an_error_with_a_hint():
    def enqueue(self, x, y):
        tp.launch(K, grid=x.shape[0], block=1)(x)

    spec = plugin(enqueue, inputs=[tp.Input("x")])
    with pytest.raises(TraceError, match=r"'x'\.shape is unknown because 'x' has no declared rank.*x'\.flat"):
        trace(spec)


def test_output_shapes_mistakes():
    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=1)(x)

    outputs = [tp.Output("y", dtype="float32", rank=3)]
    cases = [
        (lambda self, x: [(1, 2)], r"output 'y': declared rank 3 but output_shapes returned 2 dims"),
        (lambda self, x: [(1, 2, -3)], r"output 'y': dim 2 is negative"),
        (lambda self, x: [(1, 2, 3.5)], r"output 'y' dim 2: expected an integer or a symbolic dimension, got float"),
        (lambda self, x: [(1, 2, 3), (4,)], r"expected a list of 1 shape tuple\(s\)"),
        (lambda self, x: "shape", r"expected a list of 1 shape tuple"),
    ]
    for output_shapes, message in cases:
        spec = plugin(enqueue, outputs=outputs, output_shapes=output_shapes)
        with pytest.raises(TraceError, match=message):
            trace(spec)


def test_output_shapes_may_not_depend_on_dtype():
    def output_shapes(self, x):
        return [(4 if x.dtype == "float32" else 8,)]

    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=1)(x)

    spec = plugin(enqueue, outputs=[tp.Output("y", dtype="float32", rank=1)], output_shapes=output_shapes)
    with pytest.raises(TraceError, match="output shapes differ between dtype combinations"):
        trace(spec)


def test_unexpected_user_error_is_wrapped_with_context():
    def enqueue(self, x, y):
        raise KeyError("oops")

    with pytest.raises(TraceError, match=r"P: tracing failed for dtypes x:float32,y:float32: KeyError"):
        trace(plugin(enqueue))


def test_launch_outside_trace():
    with pytest.raises(TraceError, match="only be called inside a plugin's enqueue"):
        tp.launch(K, grid=1, block=1)


def test_workspace_buffer_names_must_be_identifiers():
    def workspace(self, x):
        return {"bad name": tp.Buffer("float32", (4,))}

    def enqueue(self, x, y, buf):
        tp.launch(K, grid=1, block=1)(x, buf)

    with pytest.raises(TraceError, match=r"buffer names must be Python identifiers, got 'bad name'"):
        trace(plugin(enqueue, workspace=workspace))


def test_constant_dims_still_compare_by_value():
    assert Const(3) == 3 and Const(3) == Const(3) and Const(3) != 4


def test_modulo_and_conditions_encode_and_evaluate():
    x0, x1 = Dim(0, 0, "x"), Dim(0, 1, "x")
    rule = (x1 % (x0 * 2) == 0) | (x1 < 3)
    assert str(rule) == "((x.shape[1] % (x.shape[0] * 2)) == 0) | (x.shape[1] < 3)"
    assert rule.program() == (2, 0, 1, 2, 0, 0, 1, 2, 12, 17, 1, 0, 20, 2, 0, 1, 1, 3, 22, 27)
    assert rule.evaluate([(2, 8)], {}) is True and rule.evaluate([(3, 8)], {}) is False
    assert rule.evaluate([(3, 2)], {}) is True
    assert (-7 % Dim(0, 0)).evaluate([(3,)], {}) == 2  # Python's sign convention, as the native core
    assert (Const(7) % 3) == Const(1) and (Const(3) > 2) is True and (Const(3) != Const(3)) is False
    with pytest.raises(TraceError, match=r"division by zero in a shape expression: %\(x\.shape\[1\], 0\)"):
        x1 % 0
    with pytest.raises(TraceError, match=r"'&' combines conditions.*Hint: put each comparison in parentheses"):
        (x1 > 1) & 3


def test_constraints_are_traced_with_their_messages():
    def constraints(self, x):
        tp.require(x.shape[1] % (self.r * self.r) == 0, "channels must be a multiple of r*r")
        tp.require(True, "always holds: nothing to check")
        tp.require((x.shape[0] >= 1) & (x.shape[0] <= self.rows[1]), "between 1 and rows[1] rows")

    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=1)(x)

    traced = trace(plugin(enqueue, constraints=constraints, r=tp.Attr.int(2), rows=tp.Attr.int_list([1, 64], length=2)))
    assert [(str(c.condition), c.message) for c in traced.constraints] == [
        ("(x.shape[1] % (self.r * self.r)) == 0", "channels must be a multiple of r*r"),
        ("(x.shape[0] >= 1) & (x.shape[0] <= self.rows[1])", "between 1 and rows[1] rows")]
    assert traced.constraints[0].condition.evaluate([(1, 8)], {0: 2}) is True
    assert traced.constraints[0].condition.evaluate([(1, 6)], {0: 2}) is False
    assert trace(plugin(enqueue)).constraints == ()


CONSTRAINT_MISTAKES = [
    (lambda self, x: tp.require(x.shape[0], "rows"), r"P\.constraints: tp\.require\(\.\.\., 'rows'\): expected a "
     r"comparison of shapes or attributes.*got Dim"),
    (lambda self, x: tp.require(x.shape[0] > 0, ""), r"the message must be a non-empty string"),
    (lambda self, x: tp.require(x.shape[0] > 0, "two\nlines"), r"the message must be one printable line"),
    (lambda self, x: tp.require(x.ndim == 3, "rank 3"), r"P\.constraints: tp\.require\(\.\.\., 'rank 3'\): the "
     r"condition is false for every input"),
    (lambda self, x: x.shape[0] > 0, r"P\.constraints: must return None \(state each rule with tp\.require\)"),
    (lambda self, x: tp.require(x.shape[0] > 0 and x.shape[1] > 0, "both"), r"cannot use '>'.*as a condition"),
    (lambda self, x: tp.require(x.shape[0] > 0 if x.dtype == "float32" else x.shape[0] > 1, "rows"),
     r"P\.constraints: the constraints differ between dtype combinations"),
    (lambda self, x: tp.require(self.alpha > 0, "positive"), r"self\.alpha is a float attribute"),
]


@pytest.mark.parametrize("constraints,message", CONSTRAINT_MISTAKES, ids=[m for _, m in CONSTRAINT_MISTAKES])
def test_constraint_mistake_is_reported(constraints, message):
    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=1)(x)

    with pytest.raises(TraceError, match=message):
        trace(plugin(enqueue, constraints=constraints, alpha=tp.Attr.float(1.0)))
