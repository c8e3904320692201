"""On-disk cache of compiled kernels, addressed by a content hash.

Layout: ``<cache_dir>/<key[:2]>/<key>/kernel.json`` plus ``part<i>.ptx`` and ``sm_<N>.cubin``.
Entries are written to a temporary directory and renamed into place, so readers never see a
half-written entry; an unreadable entry is treated as a miss.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1


def default_cache_dir() -> Path:
    """$TRTPLUG_CACHE_DIR/kernels, else ~/.cache/trtplug/kernels (the cache root is shared with the
    harness and DeepStream build caches)."""
    env = os.environ.get("TRTPLUG_CACHE_DIR")
    return (Path(env) if env else Path.home() / ".cache" / "trtplug") / "kernels"


def entry_dir(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / key


def load(cache_dir: Path, key: str) -> dict[str, Any] | None:
    """The stored fields of a compiled kernel (bytes restored), or None on a miss."""
    d = entry_dir(cache_dir, key)
    try:
        meta = json.loads((d / "kernel.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        meta["ptx_parts"] = tuple((d / f"part{i}.ptx").read_bytes() for i in range(meta.pop("n_parts")))
        meta["cubins"] = {int(sm): (d / f"sm_{sm}.cubin").read_bytes() for sm in meta.pop("archs")}
        meta["params"] = tuple(meta["params"])
        meta["warnings"] = tuple(meta.get("warnings", ()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for field in ("format", "key"):
        meta.pop(field, None)
    return meta


def store(cache_dir: Path, key: str, fields: dict[str, Any]) -> None:
    """Stores a compiled kernel; failures to write the cache are not errors (it is only a cache)."""
    final = entry_dir(cache_dir, key)
    if final.exists():
        return
    meta = {k: v for k, v in fields.items() if k not in ("ptx_parts", "cubins")}
    meta.update(format=FORMAT, key=key, n_parts=len(fields["ptx_parts"]),
                archs=sorted(fields["cubins"]))
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=final.parent))
    except OSError:
        return
    try:
        for i, part in enumerate(fields["ptx_parts"]):
            (tmp / f"part{i}.ptx").write_bytes(part)
        for sm, cubin in fields["cubins"].items():
            (tmp / f"sm_{sm}.cubin").write_bytes(cubin)
        (tmp / "kernel.json").write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        os.rename(tmp, final)
    except OSError:  # another process stored it first, or the disk is full/read-only
        pass
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
