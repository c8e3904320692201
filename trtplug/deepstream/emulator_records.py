"""Talking to the nvinfer emulator (registry/deepstream/nvinfer_emu.cpp): its plan and its result
are record files (trtplug.native.records; the emulator's source lists their records).

run_emulator writes the plan and the files it names into a fresh folder, runs the emulator in a
child process and reads its result back into an EmulatorRun; raise_for_failure turns a run that
did not get through the call into the error nvinfer's failure calls for::

    plan = [plan_header("bbox", "libparsers.so", "YoloV8"), network_record((640, 640, 3)),
            record("layer", name="output0", dtype=0, dims=[84, 8400], file="layer0.bin")]
    run = run_emulator(exe, plan, {"layer0.bin": head.tobytes()}, case="YoloV8")
    raise_for_failure(run)
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import LoadError, NativeError
from ..native.records import Record, RecordError, RunRecords, read_run_records, record, write_records

PLAN_FORMAT = 1
RESULT_FORMAT = 1
PLAN_FILE = "plan.txt"
RESULT_FILE = "result.txt"
LOG_FILE = "stderr.txt"  # what the library writes to stderr during the call; left behind by a crash
STDERR_TAIL_LINES = 40


def plan_header(kind: str, library, function: str | None = None, **fields) -> Record:
    """The plan's first record; the library's path is made absolute as nvinfer's is (a bare name
    that is no file here is left for dlopen to look up)."""
    library = Path(library).resolve() if Path(library).exists() else library
    return record("trtplug-nvinfer-plan", format=PLAN_FORMAT, kind=kind, library=str(library), function=function,
                  log=LOG_FILE, **fields)


def network_record(network: Sequence[int]) -> Record:
    """NvDsInferNetworkInfo from (width, height, channels)."""
    width, height, channels = (int(v) for v in network)
    return record("network", width=width, height=height, channels=channels)


@dataclass
class EmulatorRun:
    """What one run of the emulator wrote back, its records sorted by kind."""

    case: str  # the function called (the library's path for a probe): what error messages name
    returncode: int
    records: RunRecords  # begin/step/log/error/end
    returned: Record | None = None  # what the function returned
    objects: list = field(default_factory=list)  # 'object' records
    attributes: list = field(default_factory=list)  # 'attribute' records
    inputs: dict = field(default_factory=dict)  # input layer name -> its buffer after the call
    problems: list = field(default_factory=list)  # misuse of nvinfer's ownership or size rules
    symbols: dict = field(default_factory=dict)  # probe: name -> found
    infos: dict = field(default_factory=dict)  # probe: trtplug_library_info / trtplug_deepstream_info -> text
    stderr: str = ""  # what the library logged during the call, then the process's own stderr

    def failed_step(self) -> tuple[str, str] | None:
        """(step, message) of the first step that failed."""
        return next(((step, message) for _, step, status, message in self.records.steps if status == "fail"), None)

    def sanitizer_reported(self) -> bool:
        return "Sanitizer" in self.stderr or "runtime error:" in self.stderr


def _read_result(text: str, run: EmulatorRun) -> None:
    def other(rec: Record) -> None:
        if rec.kind == "trtplug-nvinfer-result":
            if rec.int("format") != RESULT_FORMAT:
                raise RecordError(f"result format {rec.text('format')}, this trtplug reads format {RESULT_FORMAT}")
        elif rec.kind == "returned":
            run.returned = rec
        elif rec.kind == "object":
            run.objects.append(rec)
        elif rec.kind == "attribute":
            run.attributes.append(rec)
        elif rec.kind == "input":
            run.inputs[rec.text("name")] = rec.hex("data")
        elif rec.kind == "problem":
            run.problems.append(rec.text("message"))
        elif rec.kind == "symbol":
            run.symbols[rec.text("name")] = rec.text("found") == "1"
        elif rec.kind == "info":
            run.infos[rec.text("name")] = rec.text("text")

    run.records = read_run_records(text, other)


def run_emulator(exe, plan: Sequence[Record], files: Mapping[str, bytes], *, case: str,
                 env: Mapping[str, str] | None = None, timeout: float = 120) -> EmulatorRun:
    """Runs the emulator on `plan`, with `files` (name -> bytes) written beside it, in `env` (this
    process's environment by default). Raises subprocess.TimeoutExpired when it does not finish
    within `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="trtplug-emu-") as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        write_records(folder / PLAN_FILE, plan)
        proc = subprocess.run([str(exe), str(folder / PLAN_FILE), str(folder / RESULT_FILE)], capture_output=True,
                              text=True, encoding="utf-8", errors="replace", timeout=timeout,
                              env=dict(os.environ if env is None else env))
        result = folder / RESULT_FILE
        run = EmulatorRun(case, proc.returncode, RunRecords())
        _read_result(result.read_text(encoding="utf-8", errors="replace") if result.is_file() else "", run)
        if run.records.running is not None and (folder / LOG_FILE).is_file():
            logged = (folder / LOG_FILE).read_text(encoding="utf-8", errors="replace")  # the call did not finish
        else:
            logged = "".join(text + "\n" for _, _, text in run.records.logs)
    run.stderr = logged + proc.stderr
    return run


def raise_for_failure(run: EmulatorRun) -> None:
    """Raises LoadError when nvinfer could not load the library or find the function (with
    nvinfer's own message), NativeError (one line naming the case, then the end of stderr) when the
    plan was refused, the process crashed or a sanitizer reported an error."""
    failed = run.failed_step()
    if failed and failed[0] in ("load", "lookup"):
        raise LoadError(failed[1])
    sanitizer = run.sanitizer_reported()
    records = run.records
    if run.returncode == 0 and records.ended and not records.problem and run.returned is not None and not sanitizer:
        return
    if records.problem:
        what = records.problem
    else:
        how = (f"was killed by signal {-run.returncode}" if run.returncode < 0
               else f"exited with status {run.returncode}")
        what = "a sanitizer reported an error" if sanitizer else f"the emulated nvinfer process {how}"
        if records.running:
            what += f" in step '{records.running[1]}'"
    tail = "\n".join(run.stderr.strip().splitlines()[-STDERR_TAIL_LINES:])
    raise NativeError(f"{run.case}: {what}" + (f"\n{tail}" if tail else ""), status=run.returncode)
