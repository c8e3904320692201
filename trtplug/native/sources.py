"""The one type every wing (core, TensorRT adapter, DeepStream, user code) hands the build: its sources
and how to compile them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SourceSet:
    sources: list[Path] = field(default_factory=list)
    include_dirs: list[Path] = field(default_factory=list)
    system_include_dirs: list[Path] = field(default_factory=list)
    defines: dict[str, str | None] = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # what the wing reports about itself in the library's info JSON

    def add(self, other: SourceSet) -> SourceSet:
        """Adds what `other` holds and this set does not yet (a source shared by two wings compiles once)."""
        for mine, theirs in ((self.sources, other.sources), (self.include_dirs, other.include_dirs),
                             (self.system_include_dirs, other.system_include_dirs)):
            mine += [Path(p) for p in theirs if Path(p) not in mine]
        self.defines.update(other.defines)
        return self
