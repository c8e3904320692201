"""Test cases for a plugin: input shapes, random inputs per dtype combination, numpy references."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dtypes import NUMPY_DTYPES
from ..spec import PluginSpec

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

    @property
    def label(self) -> str:
        shapes = " ".join("x".join(map(str, s)) or "scalar" for s in self.input_shapes)
        return f"{self.plugin} [{','.join(self.combo)}] {shapes}"


def input_shape_sets(spec: PluginSpec, extra: list[tuple] | None = None) -> list[tuple[tuple[int, ...], ...]]:
    if spec.test_shapes:
        sets = list(spec.test_shapes)
    else:
        ranks = {t.rank for t in spec.inputs}
        rank = ranks.pop() if len(ranks) == 1 else None
        sets = [tuple(shape for _ in spec.inputs) for shape in DEFAULT_SHAPES_BY_RANK.get(rank, DEFAULT_SHAPES_BY_RANK[None])]
    return sets + list(extra or [])


def random_input(rng: np.random.Generator, dtype: str, shape) -> np.ndarray:
    if dtype in ("float32", "float16"):
        return (rng.standard_normal(shape, dtype=np.float32) * 3).astype(NUMPY_DTYPES[dtype])
    if dtype == "int32":
        return rng.integers(-1000, 1000, size=shape, dtype=np.int32)
    if dtype == "int8":
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    return rng.integers(0, 2, size=shape).astype(np.bool_)


def make_cases(spec: PluginSpec, *, seed: int = 0, attributes: dict | None = None, shape_sets=None,
               with_references: bool = True) -> list[Case]:
    """One case per (dtype combination, input shape set), inputs seeded deterministically."""
    attributes = attributes or {}
    instance = spec.plugin_class(**attributes) if spec.plugin_class is not None else None
    cases = []
    for combo_index, combo in enumerate(spec.combinations):
        for shape_index, shapes in enumerate(shape_sets or input_shape_sets(spec)):
            rng = np.random.default_rng([seed, combo_index, shape_index])
            inputs = [random_input(rng, combo[i], shapes[i]) for i in range(spec.n_inputs)]
            refs = None
            if with_references and spec.reference is not None:
                refs = reference_outputs(spec, instance, inputs, combo)
            tol = [spec.tolerance.get(d, DEFAULT_TOLERANCE[d]) for d in combo[spec.n_inputs:]]
            cases.append(Case(spec.name, tuple(combo), tuple(tuple(s) for s in shapes), inputs, refs,
                              dict(attributes), tol))
    return cases


def reference_outputs(spec: PluginSpec, instance, inputs, combo) -> list[np.ndarray]:
    result = spec.reference(instance, *inputs)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(outputs) != spec.n_outputs:
        raise ValueError(f"{spec.qualname}.reference returned {len(outputs)} arrays for {spec.n_outputs} outputs")
    converted = []
    for j, out in enumerate(outputs):
        dtype = NUMPY_DTYPES[combo[spec.n_inputs + j]]
        converted.append(np.ascontiguousarray(np.asarray(out).astype(dtype, copy=False)))
    return converted


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
