"""`trtplug onnx`: a test model per plugin and the commands that build a TensorRT engine from it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import DefinitionError
from .conflicts import standard_op_clash
from .deploy import commands_for
from .model import write_test_model
from .signature import PluginSignature, signatures_from


@dataclass
class WrittenModel:
    signature: PluginSignature
    combination: tuple[str, ...]
    path: Path
    commands: list[str]
    warnings: list[str] = field(default_factory=list)


def write_models(targets: Sequence, output_dir: Path | str, *, library: Path | str | None = None,
                 namespace: str = "", all_combinations: bool = False, plugins: Sequence[str] = (),
                 shapes: dict[str, Sequence[Sequence[int]]] | None = None) -> list[WrittenModel]:
    """Writes <Name>.onnx per plugin of `targets` (built libraries, their <name>.json, or plugin
    files/modules/classes) into `output_dir`, one per dtype combination with `all_combinations`.
    `library` is the .so the commands load (default: the .so given, the one beside its .json, or
    <output_dir>/lib<first file>_plugins.so for plugin files). `shapes` maps plugin names to input
    shapes; `plugins` keeps only those plugins."""
    signatures = signatures_from(targets, namespace)
    if plugins:
        missing = sorted(set(plugins) - {s.name for s in signatures})
        if missing:
            raise DefinitionError(f"no plugin {', '.join(map(repr, missing))} in {', '.join(map(str, targets))} "
                                  f"(its plugins: {', '.join(s.name for s in signatures) or 'none'})")
        signatures = [s for s in signatures if s.name in plugins]
    if not signatures:
        raise DefinitionError(f"{', '.join(map(str, targets))}: no plugins")
    shapes = dict(shapes or {})
    unknown = sorted(set(shapes) - {s.name for s in signatures})
    if unknown:
        raise DefinitionError(f"--shape given for {', '.join(map(repr, unknown))}, which is not a plugin here")
    library = Path(library) if library else default_library(targets, output_dir)
    written = []
    for sig in signatures:
        combos = sig.combinations if all_combinations else sig.combinations[:1]
        warning = standard_op_clash(sig.name)
        for n, combo in enumerate(combos):
            path = write_test_model(sig, Path(output_dir), combo, shapes.get(sig.name))
            written.append(WrittenModel(sig, tuple(combo), path, commands_for(path, library, combo),
                                        [warning] if warning and n == 0 else []))
    return written


def default_library(targets: Sequence, output_dir: Path | str) -> Path:
    first = str(targets[0])
    if first.endswith(".so") or ".so." in Path(first).name:
        return Path(first)
    if first.endswith(".json"):  # trtplug compile writes <name>.json beside lib<name>.so
        return Path(first).with_name(f"lib{Path(first).stem}.so")
    from ..loader import default_library_name

    return Path(output_dir) / f"lib{default_library_name(targets[0])}.so"
