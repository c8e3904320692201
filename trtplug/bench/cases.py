"""What `trtplug bench` times: one BenchCase per plugin, dtype combination and size.

Sizes, unless --shape is given:
- an elementwise plugin (every input of any rank, every output shaped like an input) runs on
  4096, 1M and 64M elements, each input of shape (N,);
- any other plugin runs on its largest test shape set (by input 0's element count), with dim 0
  of input 0 (and of every input of the same rank whose dim 0 matches it, e.g. a batch) scaled so
  input 0 holds about 4096, 1M and 64M elements (at least one row).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import TrtPlugError

ELEMENT_COUNTS = (4096, 1 << 20, 1 << 26)


@dataclass(frozen=True)
class BenchCase:
    plugin: str
    version: str
    dtypes: tuple[str, ...]           # inputs, then outputs
    input_shapes: tuple[tuple[int, ...], ...]

    @property
    def case_id(self) -> str:
        shapes = "_".join("x".join(map(str, s)) or "scalar" for s in self.input_shapes)
        return f"{self.plugin}-{'-'.join(self.dtypes)}-{shapes}"

    @property
    def label(self) -> str:
        return " ".join("x".join(map(str, s)) or "scalar" for s in self.input_shapes)

    def to_json(self) -> dict:
        return {k: [list(s) for s in v] if k == "input_shapes" else (list(v) if k == "dtypes" else v)
                for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> "BenchCase":
        return cls(data["plugin"], data["version"], tuple(data["dtypes"]),
                   tuple(tuple(int(d) for d in s) for s in data["input_shapes"]))


def is_elementwise(plugin_info: dict) -> bool:
    """Every input of any rank and every output shaped like an input (the library's own description)."""
    return (all(t.get("rank") is None for t in plugin_info["inputs"])
            and all(o.get("like") for o in plugin_info["outputs"]))


def scaled_shape_sets(test_shape_sets, counts=ELEMENT_COUNTS) -> list[tuple[tuple[int, ...], ...]]:
    """The largest of `test_shape_sets` with its batch dim scaled to each element count of input 0."""
    sets = [tuple(tuple(int(d) for d in s) for s in shapes) for shapes in test_shape_sets if shapes and shapes[0]]
    if not sets:
        return []
    base = max(sets, key=lambda shapes: math.prod(shapes[0]))
    first = base[0]
    row = max(1, math.prod(first[1:]))
    result = []
    for count in counts:
        rows = max(1, round(count / row))
        scaled = tuple(
            (rows, *s[1:]) if i == 0 or (len(s) == len(first) and s and s[0] == first[0]) else s
            for i, s in enumerate(base))
        if scaled not in result:
            result.append(scaled)
    return result


def select_combinations(plugin_info: dict, dtype: str | None) -> list[tuple[str, ...]]:
    """The plugin's dtype combinations, or those `dtype` selects: one name (every tensor of that
    dtype) or a full combination "float16,float16,float32" (inputs, then outputs)."""
    combos = [tuple(c) for c in plugin_info["dtype_combinations"]]
    if dtype is None:
        return combos
    wanted = tuple(d.strip() for d in dtype.split(",") if d.strip())
    chosen = [c for c in combos if c == wanted or (len(wanted) == 1 and set(c) == set(wanted))]
    if not chosen:
        listed = "; ".join(",".join(c) for c in combos)
        raise TrtPlugError(f"--dtype {dtype}: {plugin_info['name']} has no such dtype combination; it has: {listed}")
    return chosen


def plan_cases(plugin_info: dict, *, dtype: str | None = None, shapes=None, test_shape_sets=None) -> list[BenchCase]:
    """The cases of one plugin: `shapes` (one shape per input) when given, else the default sizes.

    test_shape_sets: the plugin's own test shapes (from its declaration), used for a plugin that is
    not elementwise; without them such a plugin needs `shapes`."""
    name = plugin_info["name"]
    n_inputs = len(plugin_info["inputs"])
    if shapes:
        if len(shapes) != n_inputs:
            names = ", ".join(t["name"] for t in plugin_info["inputs"])
            raise TrtPlugError(f"--shape: {name} has {n_inputs} input(s) ({names}), got {len(shapes)} --shape; give "
                               "one per input, in order")
        shape_sets = [tuple(tuple(s) for s in shapes)]
    elif is_elementwise(plugin_info):
        shape_sets = [tuple((n,) for _ in range(n_inputs)) for n in ELEMENT_COUNTS]
    else:
        shape_sets = scaled_shape_sets(test_shape_sets or [])
        if not shape_sets:
            raise TrtPlugError(f"{name} is not elementwise and its library does not record test shapes: give its "
                               f"input shapes with --shape (one per input), or bench its plugin file instead")
    return [BenchCase(name, plugin_info["version"], combo, shape_set)
            for combo in select_combinations(plugin_info, dtype) for shape_set in shape_sets]
