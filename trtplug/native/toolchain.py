"""Which C++ compiler builds a library, and for which machine.

    toolchain = choose_toolchain(target="aarch64-linux-gnu")   # Jetson
    toolchain.platform.triple     # "aarch64-linux-gnu.2.17"
    toolchain.compiler()          # [".../ziglang/zig", "c++", "-target", "aarch64-linux-gnu.2.17", ...]

Two toolchains:

- "bundled" (the default): clang, lld and libc++ from the `ziglang` package that `pip install trtplug`
  brings, with glibc stubs of any version. It cross-builds without a sysroot, so one workstation makes
  x86_64 and aarch64 (Jetson) libraries whose highest glibc symbol version is the platform's floor
  (2.17 unless asked otherwise): they load on every distribution TensorRT 8.6-11 and JetPack 4-6 run on.
  libc++ is linked statically and kept out of the library's exports.
- "system": $CXX, else g++, c++ or clang++, for this machine only, with this machine's glibc and its
  libstdc++ (needed by hand-written C++ that hands std::string or std::vector of its own making to
  nvinfer; trtplug's own parsers see nvinfer's through layout views, see trtplug_libstdcxx.h).
"""
from __future__ import annotations

import os
import re
import platform as host_platform
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import BuildError

TOOLCHAINS = ("bundled", "system")
DEFAULT_GLIBC = (2, 17)
"""The oldest glibc of every Linux TensorRT 8.6+ supports (RHEL/CentOS 7 has 2.17; aarch64's first)."""


@dataclass(frozen=True)
class Machine:
    arch: str                       # as in the GNU triple
    default_cuda_archs: tuple[int, ...] | None  # cubins built by default (None: every released one)
    qemu: str | None                # the user-mode emulator that runs its programs elsewhere
    qemu_sysroot: str | None        # where Debian's cross libc for it lives (qemu -L)


MACHINES = {
    "x86_64": Machine("x86_64", None, "qemu-x86_64", None),
    # Jetson: Xavier is sm_72, Orin sm_87 (Thor, sm_110, runs the PTX).
    "aarch64": Machine("aarch64", (72, 87), "qemu-aarch64", "/usr/aarch64-linux-gnu"),
}
ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}
TRIPLE = re.compile(r"^(?P<arch>[a-z0-9_]+)(?:-(?:unknown-)?linux-gnu(?:\.(?P<glibc>\d+\.\d+))?)?$")


@dataclass(frozen=True)
class Platform:
    """The machine and the glibc a library is built for: ``aarch64-linux-gnu.2.17``."""

    machine: Machine
    glibc: tuple[int, int] = DEFAULT_GLIBC

    @property
    def arch(self) -> str:
        return self.machine.arch

    @property
    def triple(self) -> str:
        return f"{self.arch}-linux-gnu.{self.glibc[0]}.{self.glibc[1]}"

    @property
    def is_host(self) -> bool:
        return self.arch == host_arch()

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``MACHINE[-linux-gnu[.MAJOR.MINOR]]``: aarch64-linux-gnu, x86_64-linux-gnu.2.28, arm64."""
        match = TRIPLE.match(text.strip())
        machine = MACHINES.get(ALIASES.get(match["arch"], match["arch"])) if match else None
        if machine is None:
            raise BuildError(f"--target {text!r}: expected MACHINE[-linux-gnu[.GLIBC]] with MACHINE one of "
                             f"{', '.join(MACHINES)} (for example aarch64-linux-gnu or x86_64-linux-gnu.2.28)")
        if match["glibc"] is None:
            return cls(machine)
        glibc = tuple(int(v) for v in match["glibc"].split("."))
        if glibc < DEFAULT_GLIBC:
            raise BuildError(f"--target {text!r}: glibc {match['glibc']} is older than any TensorRT supports; "
                             f"the oldest is {DEFAULT_GLIBC[0]}.{DEFAULT_GLIBC[1]}")
        return cls(machine, glibc)

    @classmethod
    def host(cls) -> Platform:
        arch = host_arch()
        if arch not in MACHINES:
            raise BuildError(f"this machine is {arch}; trtplug builds for {', '.join(MACHINES)}: pass --target")
        return cls(MACHINES[arch])


def host_arch() -> str:
    arch = host_platform.machine()
    return ALIASES.get(arch, arch)


@dataclass(frozen=True)
class Toolchain:
    name: str            # "bundled" or "system"
    platform: Platform

    def compiler(self) -> list[str]:
        """The compiler's command prefix; flags and files follow."""
        if self.name == "system":
            return [find_system_cxx()]
        # -mcpu=baseline: code for every CPU of the machine, never the build machine's extensions.
        return [str(bundled_zig()), "c++", "-target", self.platform.triple, "-mcpu=baseline"]

    def identity(self) -> str:
        """What changes the objects it makes: the compiler, its version and the target (cache keys)."""
        return compiler_identity(tuple(self.compiler()))

    def describe(self) -> str:
        if self.name == "system":
            return f"system C++ compiler {find_system_cxx()} ({self.platform.arch}, this machine's glibc)"
        return f"bundled clang/libc++ (ziglang) for {self.platform.triple}"


def choose_toolchain(name: str | None = None, target: str | None = None) -> Toolchain:
    """The toolchain for `target` (a triple, default this machine): `name`, else the bundled one."""
    name = name or "bundled"
    if name not in TOOLCHAINS:
        raise BuildError(f"--toolchain {name!r}: expected one of {', '.join(TOOLCHAINS)}")
    platform = Platform.parse(target) if target else Platform.host()
    if name == "system":
        if target and not platform.is_host:
            raise BuildError(f"--toolchain system builds for this machine ({host_arch()}) only, not {target}: "
                             "leave out --toolchain to cross-build with the bundled one")
        if target and TRIPLE.match(target.strip())["glibc"]:
            raise BuildError(f"--target {target}: the system toolchain builds against this machine's glibc; a "
                             "glibc floor needs the bundled toolchain (leave out --toolchain)")
    else:
        bundled_zig()  # fails here, with the fix, rather than at the first compile
    return Toolchain(name, platform)


def bundled_zig() -> Path:
    try:
        import ziglang
    except ImportError:
        raise BuildError("the bundled C++ toolchain is missing (pip install ziglang, which `pip install trtplug` "
                         "brings), or build with --toolchain system") from None
    zig = Path(ziglang.__file__).parent / "zig"
    if not zig.is_file():
        raise BuildError(f"the ziglang package has no compiler at {zig}: reinstall it (pip install --force-reinstall ziglang)")
    return zig


def find_system_cxx() -> str:
    """This machine's C++ compiler: $CXX, else g++, else c++, else clang++."""
    for candidate in (os.environ.get("CXX"), "g++", "c++", "clang++"):
        if candidate and shutil.which(candidate):
            return candidate
    raise BuildError("no C++ compiler found: set CXX or install g++ (or use the bundled toolchain)")


@lru_cache(maxsize=None)
def compiler_identity(command: tuple[str, ...]) -> str:
    """The compiler's command prefix (its path resolved) and what `--version` says, for cache keys."""
    path = shutil.which(command[0]) or command[0]
    try:
        version = subprocess.run([path, *command[1:], "--version"], capture_output=True, text=True,
                                 check=False).stdout
    except OSError:
        version = ""
    return f"{path} {' '.join(command[1:])}\n{version}"
