"""PluginSpec: the frozen, validated description of one plugin that every later stage reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .attrs import Attr
from .tactics import Tactic
from .tensors import Input, Output


@dataclass(frozen=True)
class PluginSpec:
    name: str                      # TensorRT plugin type name
    version: str                   # TensorRT plugin version
    qualname: str                  # the Python class, for messages ("mish.Mish")
    source: str                    # file that declared it
    doc: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    attrs: tuple[Attr, ...]
    # One entry per supported dtype combination: dtypes of inputs then outputs.
    combinations: tuple[tuple[str, ...], ...]
    # The user's methods, called by the tracer with a symbolic `self` and by `reference` runs.
    enqueue: Callable = field(compare=False, repr=False)
    output_shapes: Callable | None = field(compare=False, repr=False, default=None)
    workspace: Callable | None = field(compare=False, repr=False, default=None)
    reference: Callable | None = field(compare=False, repr=False, default=None)
    # What the inputs must satisfy: calls tp.require (traced like output_shapes).
    constraints: Callable | None = field(compare=False, repr=False, default=None)
    # Input shapes `trtplug test` runs (one tuple of shapes per case), and tolerances per dtype.
    test_shapes: tuple | None = None
    tolerance: dict = field(default_factory=dict, compare=False)
    # Extra `trtplug test` cases with attribute values: ({attribute: value}, shape sets or None for the defaults).
    test_cases: tuple = field(default=(), compare=False)
    # Value ranges of `trtplug test`'s random inputs, by input name: {name: (low, high)}, high excluded.
    test_ranges: dict = field(default_factory=dict, compare=False)
    # Launch configurations TensorRT times (IPluginV3); () is one implicit tactic. The first is the default.
    tactics: tuple[Tactic, ...] = ()
    plugin_class: type | None = field(compare=False, repr=False, default=None)

    @property
    def io_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.inputs) + tuple(t.name for t in self.outputs)

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

    @property
    def tactic_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tactics)

    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise KeyError(name)

    def attr_index(self, name: str) -> int:
        return [a.name for a in self.attrs].index(name)

    def combination_label(self, combo: tuple[str, ...]) -> str:
        return ",".join(f"{n}:{d}" for n, d in zip(self.io_names, combo))
