"""A bench run as a terminal table and as JSON (schema: docs/benchmarks.md)."""
from __future__ import annotations

import json
from pathlib import Path

from .runner import BenchRun

RESULT_FORMAT = 1
# Columns in table order, with their labels.
COLUMNS = {"c_api": "C API (ctypes)", "tensorrt": "TensorRT enqueue", "bare_launch": "bare cuLaunchKernel",
           "copy": "D2D copy", "triton": "Triton", "torch": "PyTorch eager"}


def _gbps(nbytes: int, us: float) -> float:
    return nbytes / (us * 1e-6) / 1e9 if us > 0 else 0.0


def to_json(run: BenchRun) -> dict:
    cases = []
    for r in run.cases:
        copy = r.timings.get("copy")
        columns = {}
        for name, t in r.timings.items():
            gbps = _gbps(r.bytes, t.median)
            columns[name] = {
                "gpu_us_median": t.median, "gpu_us_min": t.spread[0], "gpu_us_max": t.spread[1], "gpu_us": t.gpu_us,
                "host_us_per_launch": t.host_median, "gb_per_s": gbps,
                "percent_of_copy": 100 * gbps / _gbps(r.bytes, copy.median) if copy else None}
        cases.append({**r.case.to_json(), "output_shapes": r.output_shapes, "bytes": r.bytes, "columns": columns,
                      "notes": r.notes})
    startup = [{"plugin": s.plugin, "dtypes": list(s.dtypes), "dlopen_to_first_enqueue_ms_cubin": s.cubin_ms,
                "dlopen_to_first_enqueue_ms_ptx": s.ptx_ms, "notes": s.notes} for s in run.startup]
    return {"format": RESULT_FORMAT, "environment": run.environment, "settings": run.settings, "cases": cases,
            "startup": startup, "notes": run.notes}


def write_json(run: BenchRun, path: Path) -> None:
    Path(path).write_text(json.dumps(to_json(run), indent=1) + "\n", encoding="utf-8")


def _num(v, fmt="{:.2f}") -> str:
    return "-" if v is None else fmt.format(v)


def format_table(run: BenchRun) -> str:
    env = run.environment
    lines = [f"device: {env['device']} (sm_{env['sm']}), driver {env.get('driver') or '?'} "
             f"(CUDA {env['cuda_driver_api']}); trtplug {env['trtplug']}"
             + "".join(f", {k} {env[k]}" for k in ("torch", "triton") if env.get(k))
             + f"; {run.settings['repeats']} repeats x {run.settings['iterations']} launches",
             "",
             "| plugin | dtypes | shape | column | GPU us (median) | spread us | GB/s | % of copy | host us/launch |",
             "|---|---|---|---|---|---|---|---|---|"]
    data = to_json(run)
    for case, r in zip(data["cases"], run.cases):
        label = f"| {r.case.plugin} | {','.join(r.case.dtypes)} | {r.case.label} |"
        if not case["columns"]:
            lines.append(f"{label} - | - | - | - | - | - |")
        for name in COLUMNS:
            c = case["columns"].get(name)
            if c is None:
                continue
            lines.append(f"{label} {COLUMNS[name]} | {c['gpu_us_median']:.2f} | {c['gpu_us_min']:.2f}-"
                         f"{c['gpu_us_max']:.2f} | {c['gb_per_s']:.0f} | {_num(c['percent_of_copy'], '{:.0f}%')} | "
                         f"{_num(c['host_us_per_launch'])} |")
    lines += ["", "| plugin | dtypes | dlopen -> first finished enqueue, cubin (ms) | same, PTX only (ms) |",
              "|---|---|---|---|"]
    for s in run.startup:
        lines.append(f"| {s.plugin} | {','.join(s.dtypes)} | {_num(s.cubin_ms)} | {_num(s.ptx_ms)} |")
    notes = list(run.notes)
    notes += [f"{r.case.plugin} [{','.join(r.case.dtypes)}] {r.case.label}: {n}" for r in run.cases for n in r.notes]
    notes += [f"{s.plugin} [{','.join(s.dtypes)}] startup: {n}" for s in run.startup for n in s.notes]
    if notes:
        lines += ["", "notes:", *(f"  {n}" for n in notes)]
    return "\n".join(lines)
