"""Test cases for a plugin: input shapes, random inputs per dtype combination, numpy references."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dtypes import NUMPY_DTYPES
from ..errors import DefinitionError, TrtPlugError
from ..declare.spec import PluginSpec

DEFAULT_TOLERANCE = {"float32": (1e-5, 1e-5), "float16": (1e-2, 1e-2), "int32": (0.0, 0.0), "int8": (0.0, 0.0),
                     "bool": (0.0, 0.0)}
# Shapes used when a plugin declares no test_shapes: every input gets the same shape.
DEFAULT_SHAPES_BY_RANK = {
    None: [(7,), (2, 3, 5), (3, 1000, 37)],
    0: [()],
    1: [(1,), (1000,), (65537,)],
    2: [(3, 5), (64, 129)],
    3: [(2, 3, 5), (4, 33, 65)],
    4: [(1, 3, 5, 7), (2, 16, 33, 17)],
}


@dataclass
class Case:
    plugin: str
    combo: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    inputs: list[np.ndarray]
    references: list[np.ndarray] | None
    attributes: dict
    tolerance: list[tuple[float, float]]  # per output
    # Per output: None, or (size tensor output, dim) of a data-dependent output, whose reference
    # holds only the counted entries in that dim (the plugin's buffer has the upper bound).
    counted_by: list[tuple[int, int] | None] | None = None

    @property
    def label(self) -> str:
        shapes = " ".join("x".join(map(str, s)) or "scalar" for s in self.input_shapes)
        attrs = "".join(f" {k}={v!r}" for k, v in self.attributes.items())
        return f"{self.plugin} [{','.join(self.combo)}] {shapes}{attrs}"


def input_shape_sets(spec: PluginSpec, extra: list[tuple] | None = None) -> list[tuple[tuple[int, ...], ...]]:
    if spec.test_shapes:
        sets = list(spec.test_shapes)
    else:
        ranks = {t.rank for t in spec.inputs}
        rank = ranks.pop() if len(ranks) == 1 else None
        sets = [tuple(shape for _ in spec.inputs) for shape in DEFAULT_SHAPES_BY_RANK.get(rank, DEFAULT_SHAPES_BY_RANK[None])]
    return sets + list(extra or [])


def random_input(rng: np.random.Generator, dtype: str, shape, value_range=None) -> np.ndarray:
    """Random values of `dtype`: from [low, high) when `value_range` is given (a plugin's test_ranges),
    else normal with a spread of 3 (floats) or over most of the type's range (integers)."""
    if value_range is not None:
        low, high = value_range
        if dtype in ("float32", "float16"):
            return rng.uniform(low, high, size=shape).astype(NUMPY_DTYPES[dtype])
        return rng.integers(int(np.ceil(low)), int(np.ceil(high)), size=shape).astype(NUMPY_DTYPES[dtype])
    if dtype in ("float32", "float16"):
        return (rng.standard_normal(shape, dtype=np.float32) * 3).astype(NUMPY_DTYPES[dtype])
    if dtype == "int32":
        return rng.integers(-1000, 1000, size=shape, dtype=np.int32)
    if dtype == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    return rng.integers(0, 2, size=shape).astype(np.bool_)


def all_cases(spec: PluginSpec, *, with_references: bool = True) -> list[Case]:
    """Every case `trtplug test` runs: default attributes on the test shapes, then each `test_cases` entry."""
    cases = make_cases(spec, with_references=with_references)
    for group, (attributes, shape_sets) in enumerate(spec.test_cases, 1):
        cases += make_cases(spec, seed=group, attributes=attributes, shape_sets=shape_sets,
                            with_references=with_references)
    return cases


def make_cases(spec: PluginSpec, *, seed: int = 0, attributes: dict | None = None, shape_sets=None,
               with_references: bool = True) -> list[Case]:
    """One case per (dtype combination, input shape set), inputs seeded deterministically.

    Raises DefinitionError naming the plugin, dtypes, input shapes and attributes when `reference`
    fails or returns the wrong number, shape or type of arrays."""
    attributes = attributes or {}
    instance = spec.plugin_class(**attributes) if spec.plugin_class is not None else None
    expected_shapes = output_shape_rule(spec) if with_references and spec.reference is not None else None
    counted_by = None
    if expected_shapes is not None and any(o.data_dependent for o in expected_shapes):
        counted_by = [(o.size_output, o.size_dim) if o.data_dependent else None for o in expected_shapes]
    cases = []
    for combo_index, combo in enumerate(spec.combinations):
        for shape_index, shapes in enumerate(shape_sets or input_shape_sets(spec)):
            rng = np.random.default_rng([seed, combo_index, shape_index])
            inputs = [random_input(rng, combo[i], shapes[i], spec.test_ranges.get(spec.inputs[i].name))
                      for i in range(spec.n_inputs)]
            refs = None
            if with_references and spec.reference is not None:
                refs = reference_outputs(spec, instance, inputs, combo)
                _check_reference_shapes(spec, refs, expected_shapes, inputs, combo, attributes)
            tol = [spec.tolerance.get(d, DEFAULT_TOLERANCE[d]) for d in combo[spec.n_inputs:]]
            cases.append(Case(spec.name, tuple(combo), tuple(tuple(s) for s in shapes), inputs, refs,
                              dict(attributes), tol, counted_by))
    return cases


def describe_case(spec: PluginSpec, combo, inputs, attributes: dict | None) -> str:
    """"dtypes x:float32,y:float32; input shapes x=(2, 3); attributes alpha=0.5" for messages."""
    shapes = ", ".join(f"{t.name}={tuple(np.shape(x))}" for t, x in zip(spec.inputs, inputs))
    values = dict(instance_defaults(spec))
    values.update(attributes or {})
    attrs = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "none"
    return f"dtypes {spec.combination_label(combo)}; input shapes {shapes}; attributes {attrs}"


def instance_defaults(spec: PluginSpec) -> dict:
    return {a.name: a.default for a in spec.attrs}


def reference_outputs(spec: PluginSpec, instance, inputs, combo) -> list[np.ndarray]:
    """The reference's outputs converted to the combination's output dtypes."""
    where = f"{spec.qualname}.reference"
    attributes = instance.attribute_values if instance is not None else {}

    def fail(problem: str, hint: str = "") -> DefinitionError:
        return DefinitionError(f"{where}: {problem} (case: {describe_case(spec, combo, inputs, attributes)})"
                               + (f". Hint: {hint}" if hint else ""))

    try:
        result = spec.reference(instance, *inputs)
    except TrtPlugError:
        raise
    except Exception as exc:
        raise fail(f"raised {type(exc).__name__}: {exc}") from exc
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(outputs) != spec.n_outputs:
        names = ", ".join(o.name for o in spec.outputs)
        raise fail(f"returned {len(outputs)} array(s) for {spec.n_outputs} output(s) ({names})",
                   "return one numpy array per output, in the order of `outputs`")
    converted = []
    for j, out in enumerate(outputs):
        dtype = NUMPY_DTYPES[combo[spec.n_inputs + j]]
        try:
            array = np.asarray(out).astype(dtype, copy=False)
        except (TypeError, ValueError) as exc:
            raise fail(f"output '{spec.outputs[j].name}': cannot convert {type(out).__name__} to a {combo[spec.n_inputs + j]} "
                       f"array ({exc})", "return numpy arrays") from exc
        converted.append(np.ascontiguousarray(array) if array.ndim else array)  # ascontiguousarray makes 0-d 1-d
    return converted


def output_shape_rule(spec: PluginSpec):
    """The traced output shapes (None when tracing fails: compile reports that, not the test cases)."""
    from ..trace.tracer import trace

    try:
        return trace(spec).outputs
    except TrtPlugError:
        return None


def expected_output_shapes(spec: PluginSpec, rule, input_shapes, attributes: dict) -> list[tuple[int, ...]] | None:
    """Output shapes by the traced rule for these input shapes and attribute values (None where the
    rule cannot be evaluated here)."""
    if rule is None:
        return None
    values = instance_defaults(spec)
    values.update(attributes)
    by_index = {spec.attr_index(k): v for k, v in values.items()}
    dims = [tuple(s) for s in input_shapes]
    try:
        return [dims[out.like_input] if out.dims is None else tuple(int(d.evaluate(dims, by_index)) for d in out.dims)
                for out in rule]
    except Exception:  # e.g. an attribute kind the plain evaluator does not take: the run compares shapes itself
        return None


def _check_reference_shapes(spec: PluginSpec, refs, rule, inputs, combo, attributes: dict) -> None:
    wanted = expected_output_shapes(spec, rule, [np.shape(x) for x in inputs], attributes)
    for j, (ref, want) in enumerate(zip(refs, wanted or ())):
        if rule[j].data_dependent:
            want = _counted_shape(spec, rule[j], j, refs, want, combo, inputs, attributes)
        if tuple(ref.shape) != want:
            raise DefinitionError(
                f"{spec.qualname}.reference: output '{spec.outputs[j].name}' has shape {tuple(ref.shape)}, but the "
                f"plugin's output shape is {want} (case: {describe_case(spec, combo, inputs, attributes)}). "
                "Hint: the reference must return arrays of the shapes the plugin computes")


def _counted_shape(spec: PluginSpec, shape, j, refs, upper, combo, inputs, attributes) -> tuple[int, ...]:
    """The shape the reference of data-dependent output `j` must have: its upper bound, but the count
    the reference gives for its size tensor in the data-dependent dim."""
    count = refs[shape.size_output]
    size_name = spec.outputs[shape.size_output].name
    if count.shape != () or not 0 <= int(count) <= upper[shape.size_dim]:
        raise DefinitionError(
            f"{spec.qualname}.reference: size tensor '{size_name}' must be one int in [0, {upper[shape.size_dim]}] "
            f"(the upper bound of output '{spec.outputs[j].name}'), got {count!r} "
            f"(case: {describe_case(spec, combo, inputs, attributes)})")
    return tuple(int(count) if a == shape.size_dim else d for a, d in enumerate(upper))


def counted_part(outputs: list[np.ndarray], j: int, counted_by) -> tuple[np.ndarray, str]:
    """Output `j` cut to the count its size tensor holds when it is data-dependent (else as it is),
    or a problem when that count lies outside [0, the upper bound]."""
    if not counted_by or counted_by[j] is None:
        return outputs[j], ""
    size, dim = counted_by[j]
    count, upper = np.asarray(outputs[size]), outputs[j].shape[dim]
    if count.size != 1 or not 0 <= int(count.reshape(-1)[0]) <= upper:
        return outputs[j], f"its size tensor (output {size}) holds {count.tolist()}, outside [0, {upper}]"
    return np.take(outputs[j], np.arange(int(count.reshape(-1)[0])), axis=dim), ""


def compare(actual: np.ndarray, expected: np.ndarray, tolerance: tuple[float, float]) -> tuple[bool, float, str]:
    """(ok, max abs error, message)."""
    if actual.shape != expected.shape:
        return False, float("inf"), f"shape {actual.shape} != expected {expected.shape}"
    if actual.size == 0:
        return True, 0.0, "empty"
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    finite = np.isfinite(e)
    if not np.array_equal(np.isfinite(a), finite) or not np.array_equal(np.isnan(a), np.isnan(e)):
        return False, float("inf"), "non-finite values differ"
    err = np.abs(a[finite] - e[finite])
    max_err = float(err.max()) if err.size else 0.0
    rtol, atol = tolerance
    bad = err > atol + rtol * np.abs(e[finite])
    if bad.any():
        return False, max_err, f"{int(bad.sum())} of {a.size} elements outside rtol={rtol} atol={atol}"
    return True, max_err, "ok"
