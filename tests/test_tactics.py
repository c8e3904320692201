"""Tactics: declaration mistakes, tracing once per tactic, and the descriptor tables they become.

Nothing here compiles a kernel: a fake kernel stands in for @cuda.jit and the descriptors are
rendered from fake compile results. The IPluginV3 side (getValidTactics, setTactic, the stored
tactic) is in test_tensorrt_v3.py.
"""
from types import SimpleNamespace

import numpy as np
import pytest

import trtplug as tp
from trtplug.aot.signature import expected_param_types
from trtplug.codegen.descriptors import build_view
from trtplug.errors import DefinitionError, TraceError
from trtplug.native.assets import render_template
from trtplug.testing.cases import make_cases
from trtplug.testing.plan import plan_cases
from trtplug.trace.tracer import trace

from fake_kernel import FakeKernel


K = FakeKernel()
TACTICS = [tp.Tactic("block256", block=256), tp.Tactic("block512", block=512)]


def enqueue_with_tactic(self, x, y):
    n = x.numel
    tp.launch(K, grid=tp.cdiv(n, self.tactic.block), block=self.tactic.block)(x.flat, y.flat, n)


def plugin(name="Tac", **members):
    body = {"inputs": [tp.Input("x", dtypes=("float32", "float16"))], "outputs": [tp.Output("y", like="x")],
            "enqueue": enqueue_with_tactic, "tactics": TACTICS, "reference": lambda self, x: x}
    body.update(members)
    return type(name, (tp.TrtPlugin,), body)


# ------------------------------------------------------------------------------ declaring
MISTAKES = [
    (dict(tactics="block256"), r"Bad\.tactics: expected a list of tp\.Tactic, got str"),
    (dict(tactics=[]), r"Bad\.tactics: the list is empty; declare at least one tactic or leave tactics out"),
    (dict(tactics=[("block256", 256)]), r"Bad\.tactics\[0\]: expected tp\.Tactic\(name, \*\*params\), got tuple"),
    (dict(tactics=[tp.Tactic("256 threads", block=256)]), r"Bad\.tactics\[0\]: expected a tactic name of letters"),
    (dict(tactics=[tp.Tactic("a", block=1), tp.Tactic("a", block=2)]),
     r"Bad\.tactics\[1\]: two tactics are named 'a' \(the other is tactics\[0\]\)"),
    (dict(tactics=[tp.Tactic("a", block=[256])]), r"Bad\.tactics\[0\] \('a'\)\.block: expected an int, float, bool "
                                                  r"or str, got list"),
    (dict(tactics=[tp.Tactic("a", block=256), tp.Tactic("b", threads=512)]),
     r"Bad\.tactics\[1\] \('b'\): sets the parameters \['threads'\], the first tactic \['block'\]"),
    (dict(tactics={"a": 256}), r"Bad\.tactics\['a'\]: expected a dict of parameters, got int"),
    (dict(tactics=[tp.Tactic(f"t{i}", block=i) for i in range(65)]), r"Bad\.tactics: 65 tactics, at most 64"),
    (dict(tactic=tp.Attr.int(1)), r"Bad\.tactic: 'tactic' is reserved and cannot be an attribute name"),
]


@pytest.mark.parametrize("members,message", MISTAKES, ids=[m for _, m in MISTAKES])
def test_tactic_declaration_mistake_names_class_and_member(members, message):
    with pytest.raises(DefinitionError, match=message):
        plugin("Bad", **members)


def test_tactics_as_a_list_or_a_dict_and_the_first_is_the_default():
    spec = plugin().spec()
    assert spec.tactic_names == ("block256", "block512") and spec.tactics[1].block == 512
    same = plugin(tactics={"block256": {"block": 256}, "block512": {"block": 512}}).spec()
    assert same.tactics == spec.tactics
    assert plugin(tactics=None, enqueue=lambda self, x, y: None).spec().tactics == ()
    with pytest.raises(DefinitionError, match=r"Tac\.tactic: the tactic is known only while enqueue is traced"):
        plugin()().tactic
    assert repr(TACTICS[1]) == "tp.Tactic('block512', block=512)"


# -------------------------------------------------------------------------------- tracing
def test_enqueue_is_traced_once_per_dtype_combination_and_tactic():
    traced = trace(plugin().spec())
    assert len(traced.variants) == 2
    for variant in traced.variants:
        blocks = [[str(launch.block[0]) for launch in variant.launches_of(t)] for t in range(2)]
        assert blocks == [["256"], ["512"]]
        grids = [str(variant.launches_of(t)[0].grid[0]) for t in range(2)]
        assert grids == ["cdiv(x.numel, 256)", "cdiv(x.numel, 512)"]
        assert variant.launches == variant.launches_of(0) + variant.launches_of(1)  # all of them get compiled


def test_a_plugin_without_tactics_has_one_implicit_tactic():
    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=32)(x.flat, y.flat)

    variant = trace(plugin(tactics=None, enqueue=enqueue).spec()).variants[0]
    assert variant.tactic_launches == () and variant.launches_of(0) == variant.launches


@pytest.mark.parametrize("members,message", [
    (dict(enqueue=lambda self, x, y: tp.launch(K, grid=1, block=self.tactic.items)(x.flat, y.flat)),
     r"Tac\.enqueue: self\.tactic\.items: tactic 'block256' has no parameter 'items'; its parameters are \['block'\]"),
    (dict(output_shapes=lambda self, x: [(x.numel // self.tactic.block,)], outputs=[tp.Output("y", dtype="float32",
                                                                                            rank=1)]),
     r"Tac: self\.tactic is readable in enqueue only"),
    (dict(tactics=None), r"Tac: self\.tactic: the class declares no tactics"),
    (dict(tactics=[tp.Tactic("ok", block=256), tp.Tactic("huge", block=4096)]),
     r"4096 threads per block exceeds the CUDA limit of 1024 \(tactic 'huge'\)"),
])
def test_tactic_mistakes_while_tracing_name_the_plugin_and_tactic(members, message):
    with pytest.raises(TraceError, match=message):
        trace(plugin(**members).spec())


# ---------------------------------------------------------------------------- descriptors
def _render(spec) -> str:
    traced = trace(spec)
    kernels = {}
    for variant in traced.variants:
        for launch in variant.launches:
            kernels[(id(launch.kernel), launch.signature)] = SimpleNamespace(
                entry=f"entry_{len(kernels)}", params=expected_param_types(launch.signature), cooperative=False,
                cubins={90: b"\0"}, ptx_parts=[], ptx_target=75, ptx_version="8.2", name="fake_kernel")
    view = build_view([traced], kernels, library_name="t", plugin_namespace="", info={}, header="test")
    return render_template("plugins.cpp.j2", lib=view)


def test_each_tactic_becomes_a_launch_table_and_the_first_is_the_variants_own():
    source = _render(plugin().spec())
    assert 'const char* const kTacticNames[] = { "block256", "block512" };' in source
    assert "const TacticLaunchesDesc kV0Tactics[] = {\n    { kV0T0Launches, 1 },\n    { kV0T1Launches, 1 },\n};" in source
    assert "{kV1Types, kV1T0Launches, 1, nullptr, 0, kV1Tactics}," in source
    assert "p0_Tac::kTacticNames, 2,\n};" in source
    assert "// Tactic 1: tp.Tactic('block512', block=512)" in source


def test_a_plugin_without_tactics_renders_the_tables_it_always_had():
    def enqueue(self, x, y):
        tp.launch(K, grid=1, block=32)(x.flat, y.flat)

    source = _render(plugin(tactics=None, enqueue=enqueue).spec())
    assert "Tactic" not in source
    assert "const LaunchDesc kV0Launches[] = {" in source and "{kV0Types, kV0Launches, 1, nullptr, 0}," in source
    assert "    nullptr, 0,\n};" in source  # no constraints, then nothing more


# ------------------------------------------------------------------------------ test plans
def test_v3_test_plans_run_every_case_once_per_tactic():
    spec = plugin().spec()
    cases = make_cases(spec, shape_sets=[((2, 3),)])
    per_tactic = plan_cases(spec, cases, tactics=True)
    assert [(c.case_id, c.tactic) for c in per_tactic] == [
        ("Tac_0_tblock256", 1), ("Tac_0_tblock512", 2), ("Tac_1_tblock256", 1), ("Tac_1_tblock512", 2)]
    assert per_tactic[1].label.endswith(" tactic=block512")
    np.testing.assert_array_equal(per_tactic[0].references[0], per_tactic[1].references[0])
    assert [c.tactic for c in plan_cases(spec, cases)] == [None, None]  # IPluginV2: the default
