"""What the TensorRT adapter tests share: the headers of one TensorRT major, the fixture library and
the harness built once per major, and plan cases for the fixture plugins TpScale and TpPair
(fixture_plugins.cpp).

Example::

    builds = FixtureBuilds(work)
    headers, library, harness = builds(10, interface="v3")
    report = run_plan(harness, library, write_plan(path, [scale_case("s", "float16", (7,))]))
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trtplug.native.tensorrt_headers import TensorRTHeaders, find_all_tensorrt_includes
from trtplug.testing.harness import PlanCase, PluginField, build_harness

from native_trt.build_fixture import build_fixture_library


def headers_for(major: int) -> TensorRTHeaders:
    """The headers of TensorRT `major`; skips the test when there are none."""
    found = [h for h in find_all_tensorrt_includes() if h.major == major]
    if not found:
        pytest.skip(f"no TensorRT {major}.x headers found (set TRTPLUG_TENSORRT_INCLUDE or put them in "
                    f"~/.cache/trtplug/tensorrt/<version>/include)")
    return found[0]


class FixtureBuilds:
    """(headers, library, harness) per TensorRT major and library options, built on first use into
    `work`; the harness is cached in `harness_cache` (None: the harness's own cache)."""

    def __init__(self, work: Path, harness_cache: Path | None = None):
        self._work = work
        self._harness_cache = harness_cache
        self._built: dict[tuple, tuple] = {}

    def __call__(self, major: int, *, namespace: str = "", interface: str = "v2", tag: str = ""):
        key = (major, namespace, interface, tag)
        if key not in self._built:
            headers = headers_for(major)
            library = build_fixture_library(headers, self._work, namespace=namespace, tag=tag,
                                            interface=interface)
            self._built[key] = (headers, library, build_harness(headers, cache_dir=self._harness_cache))
        return self._built[key]


def scale_case(cid, dtype="float32", shape=(2, 3), **kw) -> PlanCase:
    """TpScale on a ramp from -1 to 1 of `shape`."""
    x = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape).astype(dtype)
    return PlanCase(cid, "TpScale", "1", inputs=[x], outputs=[(dtype, shape)], **kw)


def pair_case(cid, dtype, a_shape, b_shape, *, count=1, block=4, **kw) -> PlanCase:
    """TpPair on ones, with fields count and block (unless `fields` says otherwise)."""
    a = np.ones(a_shape, dtype)
    b = np.ones(b_shape, dtype)
    y = (dtype, (a_shape[0], a_shape[1] + b_shape[1] * count))
    z = ("int32", (-(-a.size // block),))
    fields = kw.pop("fields", [PluginField.from_value("count", count), PluginField.from_value("block", block)])
    return PlanCase(cid, "TpPair", "2", inputs=[a, b], outputs=[y, z], fields=fields, **kw)


def reject_case(cid, expect, message, **kw) -> PlanCase:
    """A case the harness expects to fail with `expect` (e.g. "create-fail"), logging `message`; of
    TpScale version 1 unless `plugin` and `version` say otherwise."""
    kw.setdefault("plugin", "TpScale")
    kw.setdefault("version", "1")
    return PlanCase(cid, expect=expect, expect_message=message, **kw)


def damaged_blob_cases(folder: Path, blob_name: str, other_plugin_blob: str) -> list[PlanCase]:
    """Cases that restore TpScale from damaged copies of its blob folder/blob_name (a bit flipped,
    format version 0, cut short, zeros; written beside it) and from `other_plugin_blob` (TpPair's),
    each refused with the core's reason. Case ids: corrupt, wrong_format_version, truncated,
    garbage, other_plugin."""
    blob = (folder / blob_name).read_bytes()
    suffix = Path(blob_name).suffix
    corrupt = bytearray(blob)
    corrupt[-1] ^= 0x40
    old = bytearray(blob)
    old[4:6] = (0).to_bytes(2, "little")  # format version 0
    for name, data in {"corrupt": bytes(corrupt), "old": bytes(old), "short": blob[:10], "garbage": b"\0" * 64}.items():
        (folder / f"{name}{suffix}").write_bytes(data)
    return [
        reject_case("corrupt", "deserialize-fail", "corrupted", deserialize_from=f"corrupt{suffix}"),
        reject_case("wrong_format_version", "deserialize-fail", "format version 0", deserialize_from=f"old{suffix}"),
        reject_case("truncated", "deserialize-fail", "shorter than", deserialize_from=f"short{suffix}"),
        reject_case("garbage", "deserialize-fail", "not a trtplug plugin", deserialize_from=f"garbage{suffix}"),
        reject_case("other_plugin", "deserialize-fail", "is for plugin 'TpPair' version '2'",
                    deserialize_from=other_plugin_blob),
    ]


def by_id(report):
    """The harness report's results by case id."""
    return {r.case_id: r for r in report}
