"""Tactics: alternative launch configurations of one plugin, timed by TensorRT (IPluginV3).

    class HardSwish(tp.TrtPlugin):
        tactics = [tp.Tactic("block256", block=256), tp.Tactic("block512", block=512)]

        def enqueue(self, x, y):          # traced once per dtype combination and tactic
            launch_elementwise(hard_swish_kernel, y.numel, threads=self.tactic.block)(x.flat, y.flat)

`enqueue` reads the tactic being traced as `self.tactic` (its parameters as attributes, its name as
`self.tactic.name`); output shapes, workspace and constraints do not depend on it. The first tactic
is the default: what IPluginV2 plugins, the C API and TensorRT's default tactic (0) run.
"""
from __future__ import annotations

import re

from ..errors import DefinitionError

MAX_TACTICS = 64  # each tactic is traced, compiled into the library and timed by TensorRT
TACTIC_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PARAM_TYPES = (bool, int, float, str)


class Tactic:
    """One launch configuration: a name and the parameters `enqueue` reads as `self.tactic.<param>`.

    Args:
        name: letters, digits and '_' (TensorRT's logs and `trtplug test` show it).
        **params: ints, floats, bools or strings, e.g. `block=512, items=4`; every tactic of a
            plugin sets the same parameters.
    """

    def __init__(self, name: str, **params):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "params", dict(params))

    def __getattr__(self, item):
        params = object.__getattribute__(self, "params")
        if item in params:
            return params[item]
        raise AttributeError(f"tactic {object.__getattribute__(self, 'name')!r} has no parameter {item!r}; "
                             f"its parameters are {sorted(params)}")

    def __setattr__(self, key, value):
        raise AttributeError("a tp.Tactic is read-only")

    def __eq__(self, other):
        return isinstance(other, Tactic) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"tp.Tactic({self.name!r}{args})"


def checked_tactics(declared, owner: str) -> tuple[Tactic, ...]:
    """The class's `tactics` member validated: None gives (), the one implicit tactic."""
    if declared is None:
        return ()
    where = f"{owner}.tactics"
    hint = "Hint: tactics = [tp.Tactic(\"block256\", block=256), tp.Tactic(\"block512\", block=512)]"
    if isinstance(declared, dict):
        declared = [_from_dict_entry(name, params, where, hint) for name, params in declared.items()]
    if not isinstance(declared, (list, tuple)):
        raise DefinitionError(f"{where}: expected a list of tp.Tactic, got {type(declared).__name__}. {hint}")
    if not declared:
        raise DefinitionError(f"{where}: the list is empty; declare at least one tactic or leave tactics out")
    if len(declared) > MAX_TACTICS:
        raise DefinitionError(f"{where}: {len(declared)} tactics, at most {MAX_TACTICS} (each is traced, compiled "
                              "and timed by TensorRT)")
    seen: dict[str, int] = {}
    first_params = None
    for i, tactic in enumerate(declared):
        at = f"{where}[{i}]"
        if not isinstance(tactic, Tactic):
            raise DefinitionError(f"{at}: expected tp.Tactic(name, **params), got {type(tactic).__name__} {tactic!r}")
        name = tactic.name
        if not isinstance(name, str) or not TACTIC_NAME.match(name):
            raise DefinitionError(f"{at}: expected a tactic name of letters, digits and '_' (at most 64), got {name!r}")
        if name in seen:
            raise DefinitionError(f"{at}: two tactics are named {name!r} (the other is tactics[{seen[name]}])")
        seen[name] = i
        at = f"{where}[{i}] ('{name}')"
        for key, value in tactic.params.items():
            if key == "name":
                raise DefinitionError(f"{at}: 'name' is the tactic's name and cannot be a parameter")
            if not isinstance(value, PARAM_TYPES):
                raise DefinitionError(f"{at}.{key}: expected an int, float, bool or str, got "
                                      f"{type(value).__name__} {value!r}")
        params = sorted(tactic.params)
        if first_params is None:
            first_params = params
        elif params != first_params:
            raise DefinitionError(f"{at}: sets the parameters {params}, the first tactic {first_params}. "
                                  "Hint: every tactic sets the same parameters, so enqueue reads them alike")
    return tuple(declared)


def _from_dict_entry(name, params, where, hint) -> Tactic:
    if not isinstance(params, dict):
        raise DefinitionError(f"{where}[{name!r}]: expected a dict of parameters, got {type(params).__name__} "
                              f"{params!r}. {hint}")
    bad = [k for k in params if not isinstance(k, str) or not k.isidentifier()]
    if bad:
        raise DefinitionError(f"{where}[{name!r}]: parameter names must be identifiers, got {bad[0]!r}")
    return Tactic(name, **params)
