"""One `trtplug bench` run: every case of one library, each column measured in the same process."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..dtypes import NUMPY_DTYPES
from ..errors import TrtPlugError
from ..runtime import Library
from . import bare_launch, harness_bench, references, startup
from .cases import BenchCase
from .environment import describe
from .timing import Timing, copy_launcher, time_launches

FILL_BYTE = 0x3C  # every input byte: finite values in every float type (as the harness's bench mode)


@dataclass
class CaseResult:
    case: BenchCase
    bytes: int                                            # all inputs and outputs, per launch
    timings: dict[str, Timing] = field(default_factory=dict)  # column -> timing
    notes: list[str] = field(default_factory=list)
    output_shapes: list | None = None                     # None: the case did not run


@dataclass
class StartupResult:
    plugin: str
    dtypes: tuple[str, ...]
    cubin_ms: float | None
    ptx_ms: float | None
    notes: list[str] = field(default_factory=list)


@dataclass
class BenchRun:
    environment: dict
    settings: dict
    cases: list[CaseResult]
    startup: list[StartupResult]
    notes: list[str]


def run(library_path: Path, cases: list[BenchCase], *, iterations: int, repeats: int, harness: Path | None = None,
        ptx_library: Path | None = None, baselines: bool = True, work_dir: Path, harness_note: str = "",
        progress=None) -> BenchRun:
    from ..testing.device import Device

    device = Device()
    library = Library(library_path)
    notes = [harness_note] if harness_note else []
    why_no_baselines = references.available() if baselines else "--no-baselines"
    if why_no_baselines:
        notes.append(f"no Triton/PyTorch columns: {why_no_baselines}")
    results, output_shapes = [], {}
    for case in cases:
        if progress:
            progress(f"timing {case.plugin} [{','.join(case.dtypes)}] {case.label}")
        result = _time_case(device, library, case, iterations, repeats, baselines and not why_no_baselines)
        results.append(result)
        if result.output_shapes is not None:
            output_shapes[case.case_id] = result.output_shapes
    if harness is not None:
        runnable = [r.case for r in results if r.case.case_id in output_shapes]
        timings, failures, problem = harness_bench.run(
            harness, library_path, runnable, output_shapes, work_dir, iterations=iterations, repeats=repeats,
            namespace=library.info.get("plugin_namespace") or "")
        if problem:
            notes.append(f"TensorRT adapter column missing: {problem}")
        for r in results:
            if r.case.case_id in timings:
                r.timings["tensorrt"] = timings[r.case.case_id]
            elif r.case.case_id in failures:
                r.notes.append(f"TensorRT adapter: {failures[r.case.case_id]}")
    first_cases = {}
    for r in results:
        if r.case.case_id in output_shapes:
            first_cases.setdefault((r.case.plugin, r.case.dtypes), r.case)
    starts = [_startup(library_path, ptx_library, device.sm, case) for case in first_cases.values()]
    extra = {"tensorrt_harness": bool(harness)}
    if baselines and not why_no_baselines:
        extra.update(references.versions())
    settings = {"iterations": iterations, "repeats": repeats, "fill_byte": FILL_BYTE}
    return BenchRun(describe(device, library.info, extra), settings, results, starts, notes)


def _nbytes(shape, dtype) -> int:
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(NUMPY_DTYPES[dtype]).itemsize


def _time_case(device, library, case: BenchCase, iterations: int, repeats: int, baselines: bool) -> CaseResult:
    n_in = len(case.input_shapes)
    instance = library.instance(case.plugin, case.version)
    variant = instance.variant(case.dtypes)
    result = CaseResult(case, 0)
    if variant < 0:
        result.notes.append(f"no compiled variant for {','.join(case.dtypes)}")
        return result
    try:
        out_shapes = instance.output_shapes(case.input_shapes)
    except (TrtPlugError, ValueError) as exc:
        result.notes.append(f"shapes refused: {exc}")
        return result
    in_bytes = [_nbytes(s, d) for s, d in zip(case.input_shapes, case.dtypes[:n_in])]
    out_bytes = [_nbytes(s, d) for s, d in zip(out_shapes, case.dtypes[n_in:])]
    result.bytes = sum(in_bytes) + sum(out_bytes)
    stream = device.stream()
    buffers = []
    try:
        inputs = [device.alloc(b) for b in in_bytes]
        outputs = [device.alloc(b) for b in out_bytes]
        buffers += inputs + outputs
        for p, b in zip(inputs, in_bytes):
            device.fill(p, b, FILL_BYTE)
        ws_bytes = instance.workspace_size(variant, case.input_shapes)
        ws = device.alloc(ws_bytes) if ws_bytes else 0
        buffers += [ws] if ws else []

        def enqueue():
            instance.enqueue(variant, case.input_shapes, inputs, out_shapes, outputs, ws, ws_bytes, stream)

        try:
            enqueue()  # a case the plugin refuses (a launch limit, say) is a row with its reason, not the end
        except TrtPlugError as exc:
            result.notes.append(f"enqueue refused: {exc}")
            return result

        timed = {"c_api": enqueue}
        launcher = None
        try:
            launches = bare_launch.describe_launches(instance, variant, case.input_shapes, inputs, out_shapes,
                                                     outputs, ws, ws_bytes, device.sm)
            launcher = bare_launch.BareLauncher(device, launches, stream)
            timed["bare_launch"] = launcher.launch
        except TrtPlugError as exc:
            result.notes.append(f"bare launch: {exc}")
        copy, copy_buffers = copy_launcher(device, stream, result.bytes)
        buffers += copy_buffers
        timed["copy"] = copy
        for name, launch in timed.items():
            result.timings[name] = time_launches(device, stream, launch, iterations=iterations, repeats=repeats)
        if launcher is not None:
            launcher.close()
        if baselines:
            result.timings.update(_time_references(device, case, out_shapes, instance, iterations, repeats))
    finally:
        device.synchronize(stream)
        for p in buffers:
            device.free(p)
        device.destroy_stream(stream)
    result.output_shapes = [list(s) for s in out_shapes]
    return result


def _time_references(device, case: BenchCase, out_shapes, instance, iterations: int, repeats: int) -> dict:
    import torch

    n_in = len(case.input_shapes)
    dtype = {name: getattr(torch, name) for name in ("float32", "float16", "int32", "int8", "bool")}
    g = torch.Generator(device="cuda").manual_seed(0)
    inputs = [torch.randn(s, device="cuda", generator=g).to(dtype[d]) for s, d in
              zip(case.input_shapes, case.dtypes[:n_in])]
    outputs = [torch.empty(s, device="cuda", dtype=dtype[d]) for s, d in zip(out_shapes, case.dtypes[n_in:])]
    attributes = {a["name"]: a["default"] for a in instance.info["attributes"]}
    timed = {}
    stream = torch.cuda.current_stream().cuda_stream
    for name, launch in references.launchers(case.plugin, inputs, outputs, attributes).items():
        timed[name] = time_launches(device, stream, launch, iterations=iterations, repeats=repeats)
    torch.cuda.synchronize()
    del inputs, outputs
    torch.cuda.empty_cache()
    return timed


def _has_cubin_for(archs, sm: int) -> bool:
    return any(a // 10 == sm // 10 and a <= sm for a in archs or [])


def _startup(library_path: Path, ptx_library: Path | None, sm: int, case: BenchCase) -> StartupResult:
    result = StartupResult(case.plugin, case.dtypes, None, None)
    try:
        result.cubin_ms = startup.measure(library_path, case)
    except TrtPlugError as exc:
        result.notes.append(str(exc))
    if ptx_library is None:
        result.notes.append("PTX: not measured (no PTX-only library: bench the plugin files, not a built library; "
                            "nothing in trtplug forces the PTX fallback of a library with a cubin for this GPU)")
        return result
    if _has_cubin_for(Library(ptx_library).info.get("archs"), sm):
        result.notes.append(f"PTX: not measured (the PTX-only library has a cubin for sm_{sm})")
        return result
    try:
        result.ptx_ms = startup.measure(ptx_library, case)
    except TrtPlugError as exc:
        result.notes.append(f"PTX: {exc}")
    return result
