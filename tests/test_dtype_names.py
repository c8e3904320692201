"""Tensor dtype names: canonical names, TensorRT's documented aliases, and ambiguous names refused."""
import numpy as np
import pytest

import trtplug as tp


def declare(dtype):
    class Probe(tp.TrtPlugin):
        inputs = [tp.Input("x", dtypes=(dtype,))]
        outputs = [tp.Output("y", like="x")]

        def enqueue(self, x, y):
            pass

    return Probe.spec()


@pytest.mark.parametrize("name, canonical", [("float32", "float32"), ("fp32", "float32"), ("fp16", "float16"),
                                             ("half", "float16"), (np.float16, "float16"), (np.dtype("int8"), "int8")])
def test_documented_spellings_are_normalized(name, canonical):
    assert declare(name).inputs[0].dtypes == (canonical,)


@pytest.mark.parametrize("name, hint", [("float", "float32"), ("int", "int32")])
def test_ambiguous_names_are_refused_with_the_name_to_write(name, hint):
    with pytest.raises(tp.DefinitionError, match=rf"Probe.inputs\[0\].*{name!r} is ambiguous.*Hint: write {hint!r}"):
        declare(name)


def test_unknown_name_lists_supported_names_and_aliases():
    with pytest.raises(tp.DefinitionError, match=r"unsupported dtype 'float64'.*float32, float16.*aliases: fp32=float32"):
        declare("float64")
