"""`trtplug inspect`: show what a built library contains."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..tensorrt_interface import describe_interface, library_interface

EXAMPLES = """\
example:
  trtplug inspect build/libmish_plugins.so
  trtplug inspect build/libmish_plugins.so --json

Prints what a built library holds: the TensorRT plugin interface (v2 or v3), plugins, versions, attributes (with their ranges and choices),
dtype combinations, tactics, DeepStream parsers, GPU architectures and the toolchain that built it. Needs
neither Numba nor TensorRT.
"""


def register(sub) -> None:
    p = sub.add_parser("inspect", help="show what a built library contains", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("library")
    p.add_argument("--json", action="store_true", help="print the raw JSON description")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..native.elf_facts import read_elf_facts
    from ..native.toolchain import host_arch
    from ..runtime import Library

    facts = read_elf_facts(args.library)
    if facts.machine != host_arch():
        return _run_foreign(args, facts)
    lib = Library(args.library)
    deepstream = lib.deepstream_info
    if args.json:
        print(json.dumps(dict(lib.info, **({"deepstream": deepstream} if deepstream else {}),
                              loads_on=_loads_on(facts)), indent=2, sort_keys=True))
    else:
        tactics = {name: lib.tactics(name, version) for name, version in lib.plugins}
        lines = describe(str(lib.path), lib.info, deepstream, tactics)
        lines.insert(1, f"  loads on: {facts.describe()}")
        print("\n".join(lines))
    return 0


def _run_foreign(args, facts) -> int:
    """A library for another machine (an aarch64 build on a workstation) cannot be loaded here: what its
    ELF file says, and the description `trtplug compile` wrote next to it (lib<name>.so -> <name>.json)."""
    from ..errors import LoadError

    path = Path(args.library)
    sidecar = path.with_name(path.name.removeprefix("lib").removesuffix(".so") + ".json")
    if not sidecar.is_file():
        raise LoadError(f"{path}: a library for {facts.machine} ({facts.describe()}); this machine cannot load it and "
                        f"there is no {sidecar.name} beside it: run trtplug inspect on a {facts.machine} machine")
    info = json.loads(sidecar.read_text(encoding="utf-8"))
    if args.json:
        print(json.dumps(dict(info, loads_on=_loads_on(facts)), indent=2, sort_keys=True))
        return 0
    lines = describe(str(path), info)
    lines.insert(1, f"  loads on: {facts.describe()} (not loadable here: read from {sidecar.name})")
    print("\n".join(lines))
    return 0


def _loads_on(facts) -> dict:
    return {"machine": facts.machine, "glibc": ".".join(map(str, facts.glibc)) if facts.glibc else None,
            "glibcxx": ".".join(map(str, facts.glibcxx)) if facts.glibcxx else None, "needed": list(facts.needed)}


def describe(path: str, info: dict, deepstream: dict | None = None, tactics: dict | None = None) -> list[str]:
    """The lines `trtplug inspect` prints for a library's info JSON; `tactics` maps plugin names to
    their tactic names (Library.tactics), shown where a plugin declares some."""
    lines = [f"{path}: trtplug library {info['library']!r} (trtplug {info['trtplug']})",
             f"  TensorRT headers: {info.get('tensorrt') or 'none (C API only)'}",
             f"  TensorRT plugin interface: {describe_interface(library_interface(info))}",
             f"  plugin namespace: {info['plugin_namespace'] or '(default)'}"]
    if info.get("ptx"):
        lines.append(f"  GPU code: cubin for {', '.join('sm_' + str(a) for a in info['archs'])}; "
                     f"PTX {info['ptx']['isa']} ({info['ptx']['target']}) fallback")
    else:
        lines.append("  GPU code: none (no plugins)")
    toolchain = info.get("toolchain") or {}
    if toolchain:
        lines.append("  kernel toolchain: " + ", ".join(f"{k} {v}" for k, v in sorted(toolchain.items())))
    if info.get("native_toolchain"):
        lines.append(f"  C++ toolchain: {info['native_toolchain']}")
    for plugin in info["plugins"]:
        lines += _plugin_lines(plugin)
        names = (tactics or {}).get(plugin["name"], ["default"])
        if names != ["default"]:
            lines.append(f"    tactics {names[0]} (default; the one IPluginV2 runs), {', '.join(names[1:])}"
                         if len(names) > 1 else f"    tactics {names[0]}")
    lines += _deepstream_lines(deepstream or info.get("deepstream"))
    return lines


def _plugin_lines(p: dict) -> list[str]:
    lines = [f"  plugin {p['name']} version {p['version']} ({p['class']})"]
    for t in p["inputs"]:
        rank = "any rank" if t["rank"] is None else f"rank {t['rank']}"
        lines.append(f"    input  {t['name']}: {'/'.join(t['dtypes'])}, {rank}")
    for o in p["outputs"]:
        rule = f"like {o['like']}" if o["like"] else f"dtype of {o['dtype_like']}" if o["dtype_like"] else o["dtype"]
        lines.append(f"    output {o['name']}: {rule}")
    for a in p["attributes"]:
        limits = _attribute_limits(a)
        lines.append(f"    attr   {a['name']}: {a['kind']} = {a['default']!r}" + (f" ({limits})" if limits else ""))
    combos = ["(" + ", ".join(c) + ")" for c in p["dtype_combinations"]]
    lines.append(f"    dtypes {' '.join(combos)}")
    return lines


def _attribute_limits(a: dict) -> str:
    parts = []
    if a.get("min") is not None:
        parts.append(f"min {a['min']!r}")
    if a.get("max") is not None:
        parts.append(f"max {a['max']!r}")
    if a.get("choices"):
        parts.append("one of " + ", ".join(repr(c) for c in a["choices"]))
    if a["kind"].endswith("_list") and a.get("min_length") is not None:
        lo, hi = a["min_length"], a.get("max_length")
        parts.append(f"{lo} elements" if lo == hi else f"{lo}..{hi} elements")
    elif a["kind"] == "string" and a.get("max_length") is not None:
        parts.append(f"at most {a['max_length']} bytes")
    return ", ".join(parts)


def _deepstream_lines(ds: dict | None) -> list[str]:
    if not ds:
        return []
    lines = [f"  DeepStream {ds.get('deepstream_version', '?')} entry points:"]
    for entry in ds.get("parsers") or []:
        details = [entry.get("declaration"), entry.get("kind")]
        if entry.get("num_classes") is not None:
            details.append(f"{entry['num_classes']} classes")
        if entry.get("output_layers"):
            details.append("outputs " + ", ".join(entry["output_layers"]))
        lines.append(f"    parser {entry.get('function')}: " + ", ".join(str(d) for d in details if d))
    if len(lines) == 1:
        lines.append("    no parsers (plugin factory and engine entry points only)")
    return lines
