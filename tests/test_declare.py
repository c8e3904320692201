"""Declaration mistakes: each raises DefinitionError naming the class, the member and what was expected."""
import re

import pytest

import trtplug as tp
from trtplug.errors import DefinitionError


def _enqueue(self, x, y):
    pass


def declare(**members):
    """Creates a plugin class named Bad with sensible defaults overridden by `members`."""
    body = {"inputs": [tp.Input("x")], "outputs": [tp.Output("y", like="x")], "enqueue": _enqueue}
    body.update(members)
    body = {k: v for k, v in body.items() if v is not _MISSING}
    return type("Bad", (tp.TrtPlugin,), body)


_MISSING = object()

MISTAKES = [
    # (members, expected message fragment)
    (dict(inputs="x"), r"Bad\.inputs: expected a list of tp\.Input"),
    (dict(inputs=[]), r"Bad\.inputs: a plugin needs at least one input"),
    (dict(inputs=[("x", "float32")]), r"Bad\.inputs\[0\]: expected tp\.Input\(\.\.\.\)"),
    (dict(inputs=[tp.Input("1x")]), r"Bad\.inputs\[0\]: the name must be a Python identifier"),
    (dict(inputs=[tp.Input("x", dtypes=("float64",))]), r"Bad\.inputs\[0\] \('x'\): unsupported dtype 'float64'"),
    (dict(inputs=[tp.Input("x", dtypes=())]), r"Bad\.inputs\[0\] \('x'\): dtypes must be a non-empty tuple"),
    (dict(inputs=[tp.Input("x", dtypes=("float32", "fp32"))]), r"dtypes lists a dtype twice"),
    (dict(inputs=[tp.Input("x", rank=9)]), r"Bad\.inputs\[0\] \('x'\): rank must be an int in 0\.\.8"),
    (dict(outputs=[]), r"Bad\.outputs: a plugin needs at least one output"),
    (dict(outputs=[tp.Output("y")]), r"Bad\.outputs\[0\] \('y'\): the output's dtype is not declared"),
    (dict(outputs=[tp.Output("y", like="z")]), r"Bad\.outputs\[0\] \('y'\): like='z' names no input"),
    (dict(outputs=[tp.Output("y", like="x", dtype="int32")]), r"give only one of like=, dtype= and dtype_like="),
    (dict(outputs=[tp.Output("x", like="x")]), r"Bad: two tensors are named 'x'"),
    (dict(outputs=[tp.Output("y", dtype="float32", rank=2)]),
     r"Bad: output\(s\) \['y'\] have no like= and the class defines no output_shapes"),
    (dict(enqueue=_MISSING), r"Bad: no enqueue\(\) method"),
    (dict(enqueue=lambda self, x: None), r"Bad\.enqueue\(self, x\): expected 3 parameters"),
    (dict(enqueue=42), r"Bad\.enqueue: expected a method, got int"),
    (dict(reference=lambda self: None), r"Bad\.reference\(self\): expected 2 parameters"),
    (dict(alpha=tp.Attr.float("one")), r"Bad\.alpha: default: expected a float, got str 'one'"),
    (dict(alpha=tp.Attr.float(float("nan"))), r"Bad\.alpha: default: nan is not a finite float32 value"),
    (dict(k=tp.Attr.int(5, min=0, max=3)), r"Bad\.k: default: 5 is above the maximum 3"),
    (dict(k=tp.Attr.int(1, min=4, max=3)), r"Bad\.k: min=4 is greater than max=3"),
    (dict(k=tp.Attr.int(2**40)), r"Bad\.k: default: 1099511627776 does not fit the 32-bit PluginField"),
    (dict(k=tp.Attr.int(True)), r"Bad\.k: default: expected an int, got bool"),
    (dict(mode=tp.Attr.string("cubic", choices=("nearest", "linear"))),
     r"Bad\.mode: default: 'cubic' is not one of \['nearest', 'linear'\]"),
    (dict(mode=tp.Attr.string("a", choices=("a", "b\0c"))), r"Bad\.mode: choices\[1\]: strings may not contain NUL"),
    (dict(mode=tp.Attr.string("a", choices=("a", "long"), max_length=3)),
     r"Bad\.mode: choices\[1\]: string longer than max_length=3 bytes"),
    (dict(constraints=lambda self: None), r"Bad\.constraints\(self\): expected 2 parameters"),
    (dict(constraints=tp.Attr.int(1)), r"Bad\.constraints: 'constraints' is reserved"),
    (dict(pads=tp.Attr.int_list([1, 2, 3], length=2)), r"Bad\.pads: default: expected 2\.\.2 elements, got 3"),
    (dict(pads=tp.Attr.int_list([1, "2"])), r"Bad\.pads: default\[1\]: expected an int, got str"),
    (dict(inputs_=None, version=_MISSING, name="bad name"), r"Bad\.name: expected a plugin name"),
    (dict(version=""), r"Bad\.version: expected a short string"),
    (dict(version=2), r"Bad\.version: expected a short string such as \"1\", got 2"),
    (dict(x2=None, enqueue=_enqueue, spec_=None, workspace=_MISSING, **{"version": "1"},
          dtype_combinations=[{"x": "float16"}]),
     r"Bad\.dtype_combinations\[0\]\['x'\]: float16 is not among the input's dtypes \['float32'\]"),
    (dict(dtype_combinations=[{"z": "float32"}]), r"Bad\.dtype_combinations\[0\]: unknown tensor\(s\) \['z'\]"),
    (dict(dtype_combinations=[{"x": "float32"}, {"x": "float32"}]), r"is listed twice"),
    (dict(dtype_combinations=[{"x": "float32", "y": "int32"}]),
     r"Bad\.dtype_combinations\[0\]\['y'\]: int32 contradicts the output's declaration, which gives float32"),
    (dict(x=tp.Attr.int(1)), r"Bad\.x: an attribute has the same name as a tensor"),
    (dict(test_shapes=[{"y": (3,)}]), r"Bad\.test_shapes\[0\]: expected a dict with one shape per input \['x'\]"),
    (dict(tolerance={"float32": (1e-3,)}), r"Bad\.tolerance\['float32'\]: expected \(rtol, atol\)"),
]


@pytest.mark.parametrize("members,message", MISTAKES, ids=[m for _, m in MISTAKES])
def test_declaration_mistake_is_reported(members, message):
    members = {k: v for k, v in members.items() if not k.endswith("_")}
    with pytest.raises(DefinitionError, match=message):
        declare(**members)


def test_mistakes_are_distinct():
    assert len({m for _, m in MISTAKES}) == len(MISTAKES) >= 20


def test_reserved_member_name_cannot_be_attribute():
    with pytest.raises(DefinitionError, match=r"Bad\.name: 'name' is reserved"):
        type("Bad", (tp.TrtPlugin,), {"inputs": [tp.Input("x")], "outputs": [tp.Output("y", like="x")],
                                      "enqueue": _enqueue, "name": tp.Attr.int(1)})


def test_valid_declaration_builds_a_frozen_spec():
    class Scale(tp.TrtPlugin):
        """Scales x."""
        inputs = [tp.Input("x", dtypes=("float32", "float16")), tp.Input("s", dtypes=("float32", "float16"))]
        outputs = [tp.Output("y", like="x"), tp.Output("mask", dtype="bool")]
        alpha = tp.Attr.float(2.0, min=0.0)
        axes = tp.Attr.int_list([0, 1], length=2)

        def output_shapes(self, x, s):
            return [None, x.shape]

        def enqueue(self, x, s, y, mask):
            pass

    spec = Scale.spec()
    assert spec.name == "Scale" and spec.version == "1"
    assert spec.io_names == ("x", "s", "y", "mask")
    # inputs with the same dtype list vary together
    assert spec.combinations == (("float32", "float32", "float32", "bool"), ("float16", "float16", "float16", "bool"))
    assert [a.name for a in spec.attrs] == ["alpha", "axes"]
    assert spec.doc == "Scales x."
    with pytest.raises(Exception):
        spec.name = "Other"


def test_inputs_with_different_dtype_lists_vary_independently():
    class Gather(tp.TrtPlugin):
        inputs = [tp.Input("data", dtypes=("float32", "float16")), tp.Input("index", dtypes=("int32",))]
        outputs = [tp.Output("y", dtype_like="data", rank=1)]

        def output_shapes(self, data, index):
            return [(index.numel,)]

        def enqueue(self, data, index, y):
            pass

    assert Gather.spec().combinations == (("float32", "int32", "float32"), ("float16", "int32", "float16"))


def test_instances_hold_checked_attribute_values():
    class Clip(tp.TrtPlugin):
        inputs = [tp.Input("x")]
        outputs = [tp.Output("y", like="x")]
        lo = tp.Attr.float(0.0)
        hi = tp.Attr.float(6.0, max=100.0)

        def enqueue(self, x, y):
            pass

    clip = Clip(hi=3.0)
    assert clip.hi == 3.0 and clip.lo == 0.0
    assert clip.attribute_values == {"lo": 0.0, "hi": 3.0}
    with pytest.raises(DefinitionError, match=r"Clip\.hi: 200\.0 is above the maximum 100\.0"):
        Clip(hi=200.0)
    with pytest.raises(DefinitionError, match=re.escape("no attribute named 'mid'")):
        Clip(mid=1.0)


def test_abstract_base_classes_are_allowed():
    class Base(tp.TrtPlugin, abstract=True):
        outputs = [tp.Output("y", like="x")]

    class Concrete(Base):
        inputs = [tp.Input("x")]

        def enqueue(self, x, y):
            pass

    assert Concrete.spec().name == "Concrete"
    with pytest.raises(DefinitionError, match="abstract"):
        Base.spec()


def test_non_finite_attribute_bounds_are_refused():
    with pytest.raises(DefinitionError, match=r"Bad\.lo: min must be a finite number \(or None\), got -inf"):
        declare(lo=tp.Attr.float(1.0, min=float("-inf")))
    with pytest.raises(DefinitionError, match=r"Bad\.lo: max must be a finite number \(or None\), got 'big'"):
        declare(lo=tp.Attr.float(1.0, max="big"))
