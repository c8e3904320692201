"""Runs a C++ compiler (toolchain.py chooses which). Every failure is a BuildError carrying the command
and output tail."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import BuildError
from .toolchain import Toolchain, find_system_cxx


WARNING_FLAGS = ("-Wall", "-Wextra")
BASE_FLAGS = ("-std=c++17", "-fPIC", "-fvisibility=hidden", "-fvisibility-inlines-hidden")


def find_cxx() -> str:
    """This machine's C++ compiler, for the programs that stand in for TensorRT and DeepStream in tests."""
    return find_system_cxx()


@dataclass
class CompileJob:
    """One invocation of the compiler: sources to an executable or shared library."""

    sources: Sequence[Path]
    output: Path
    shared: bool = True
    include_dirs: Sequence[Path] = ()
    system_include_dirs: Sequence[Path] = ()
    defines: dict = field(default_factory=dict)
    extra_flags: Sequence[str] = ()
    libs: Sequence[str] = ("-ldl", "-lpthread")
    optimize: str = "-O2"
    # A TensorRT plugin library resolves getPluginRegistry from libnvinfer, already loaded in the
    # process that dlopens it, so it links with undefined symbols allowed.
    allow_undefined: bool = False
    toolchain: Toolchain | None = None  # None: this machine's compiler

    def compiler(self) -> list[str]:
        return self.toolchain.compiler() if self.toolchain else [find_cxx()]

    def command(self) -> list[str]:
        cmd = [*self.compiler(), *BASE_FLAGS, self.optimize, *WARNING_FLAGS]
        if self.shared:
            cmd += ["-shared"] if self.allow_undefined else ["-shared", "-Wl,--no-undefined"]
        cmd += [f"-I{d}" for d in self.include_dirs]
        for d in self.system_include_dirs:
            cmd += ["-isystem", str(d)]
        for key, value in sorted(self.defines.items()):
            cmd.append(f"-D{key}" if value is None else f"-D{key}={value}")
        cmd += list(self.extra_flags)
        cmd += [str(s) for s in self.sources]
        cmd += ["-o", str(self.output)]
        cmd += list(self.libs)
        return cmd



def run_compile(job: CompileJob, cwd: Path | None = None) -> Path:
    """Compiles `job`, raising BuildError with the command and the compiler's output on failure."""
    job.output.parent.mkdir(parents=True, exist_ok=True)
    cmd = job.command()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BuildError(f"could not run the C++ compiler: {exc}", cmd) from exc
    if proc.returncode != 0:
        raise BuildError(f"compiling {job.output.name} failed (exit {proc.returncode})", cmd,
                         proc.stdout + proc.stderr)
    return job.output
