"""A cache of compiled objects, so that building an unchanged library again only links.

An object is reused when the compiler (and the machine it builds for), its command line (with the output path left out) and every
file the compilation read are byte for byte what they were: the source and each header the
compiler's own dependency list (-MD) names, system headers included. Layout:
``<cache_dir>/<key[:2]>/<key>.o`` and ``<key>.deps.json`` (each header's path and content hash),
where the key hashes the compiler, the command and the source. Failing to read or write the cache is
never an error: the object is compiled as if there were no cache.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

from .compiler import CompileJob, run_compile
from .toolchain import compiler_identity

FORMAT = 1


def default_cache_dir() -> Path:
    """$TRTPLUG_CACHE_DIR/objects, else ~/.cache/trtplug/objects."""
    env = os.environ.get("TRTPLUG_CACHE_DIR")
    return (Path(env) if env else Path.home() / ".cache" / "trtplug") / "objects"


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _key(job: CompileJob) -> str:
    [source] = job.sources
    command = [part for part in job.command() if part != str(job.output)]
    digest = hashlib.sha256(f"trtplug-object {FORMAT}\n{compiler_identity(tuple(job.compiler()))}\n".encode())
    digest.update("\0".join(command).encode())
    digest.update(b"\0" + Path(source).read_bytes())
    return digest.hexdigest()


def _read_depfile(path: Path) -> list[Path]:
    """The prerequisites of a make rule written by -MD (backslash-continued lines, escaped spaces)."""
    text = path.read_text(encoding="utf-8", errors="replace").replace("\\\n", " ")
    _, _, prerequisites = text.partition(": ")
    return [Path(piece.replace("\0", " ")) for piece in prerequisites.replace("\\ ", "\0").split()]


def compile_object(job: CompileJob, cache_dir: Path | None = None) -> Path:
    """Compiles `job` (one source to one object, `-c` among its flags) or reuses the cached object."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    try:
        key = _key(job)
    except OSError:
        return run_compile(job)
    entry = cache_dir / key[:2] / key
    obj, deps = entry.with_suffix(".o"), entry.with_suffix(".deps.json")
    try:
        recorded = json.loads(deps.read_text(encoding="utf-8"))
        if all(_file_hash(Path(p)) == h for p, h in recorded.items()):
            job.output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(obj, job.output)
            return job.output
    except (OSError, ValueError, AttributeError):
        pass

    depfile = job.output.with_suffix(".d")
    with_deps = dataclasses.replace(job, extra_flags=[*job.extra_flags, "-MD", "-MF", str(depfile)])
    run_compile(with_deps)
    try:
        hashes = {str(p): _file_hash(p) for p in _read_depfile(depfile)}
        if None not in hashes.values():
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f"{key}.tmp{os.getpid()}.{threading.get_ident()}")
            shutil.copyfile(job.output, tmp)
            os.replace(tmp, obj)
            tmp.write_text(json.dumps(hashes), encoding="utf-8")
            os.replace(tmp, deps)
    except OSError:
        pass
    return job.output
