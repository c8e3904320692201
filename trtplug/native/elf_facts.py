"""What a built library or program needs from the machine that loads it, read from its ELF file
without loading it: the machine, the newest glibc (and libstdc++) symbol version, the shared
libraries it names.

    facts = read_elf_facts("build/libmish_plugins.so")
    facts.machine, facts.glibc    # "aarch64", (2, 17)
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import LoadError

E_MACHINE = {62: "x86_64", 183: "aarch64"}
_VERSIONED = re.compile(r"^(GLIBC|GLIBCXX)_(\d+(?:\.\d+)*)$")


@dataclass(frozen=True)
class ElfFacts:
    machine: str                          # "x86_64", "aarch64", or "e_machine N"
    glibc: tuple[int, ...] | None         # the newest GLIBC_x.y symbol version it needs
    glibcxx: tuple[int, ...] | None       # the newest GLIBCXX_ version (a dynamically linked libstdc++)
    needed: tuple[str, ...]               # DT_NEEDED

    def describe(self) -> str:
        needs = f"glibc >= {_dotted(self.glibc)}" if self.glibc else "no versioned glibc symbol"
        if self.glibcxx:
            needs += f", libstdc++ with GLIBCXX_{_dotted(self.glibcxx)}"
        return f"{self.machine} Linux, {needs}"


def read_elf_facts(path: str | Path) -> ElfFacts:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    try:
        with open(path, "rb") as stream:
            elf = ELFFile(stream)
            newest: dict[str, tuple[int, ...]] = {}
            needed: list[str] = []
            for section in elf.iter_sections():
                if isinstance(section, GNUVerNeedSection):
                    for _library, auxiliaries in section.iter_versions():
                        for aux in auxiliaries:
                            match = _VERSIONED.match(aux.name)
                            if match:
                                version = tuple(int(v) for v in match[2].split("."))
                                newest[match[1]] = max(newest.get(match[1], version), version)
                elif section.name == ".dynamic":
                    needed += [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    except (OSError, ELFError) as exc:
        raise LoadError(f"{path}: not a readable ELF file ({exc})") from exc
    return ElfFacts(read_elf_machine(path), newest.get("GLIBC"), newest.get("GLIBCXX"), tuple(needed))


def read_elf_machine(path: str | Path) -> str:
    """The machine an ELF file is for, from its header alone: what deciding how to run a program needs,
    without pyelftools (absent where only built files are copied to run)."""
    try:
        with open(path, "rb") as stream:
            header = stream.read(20)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if len(header) < 20 or header[:4] != b"\x7fELF" or header[5] not in (1, 2):
        raise LoadError(f"{path}: not an ELF file")
    (machine,) = struct.unpack_from("<H" if header[5] == 1 else ">H", header, 18)
    return E_MACHINE.get(machine, f"e_machine {machine}")


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))
