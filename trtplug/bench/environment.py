"""What a benchmark result records about the machine and the software that produced it."""
from __future__ import annotations

import platform
import re
from pathlib import Path

from .. import __version__


def driver_release() -> str | None:
    """The NVIDIA kernel driver's release ("580.159.04"), read from /proc; None when absent."""
    try:
        text = Path("/proc/driver/nvidia/version").read_text()
    except OSError:
        return None
    found = re.search(r"Kernel Module(?: for [\w-]+)?\s+([\d.]+)", text)
    return found.group(1) if found else None


def cuda_version_text(version: int) -> str:
    """cuDriverGetVersion's number as "13.0"."""
    return f"{version // 1000}.{version % 1000 // 10}"


def describe(device, library_info: dict, extra: dict | None = None) -> dict:
    try:
        from importlib.metadata import version
        bindings = version("cuda-bindings")
    except Exception:  # noqa: BLE001 - only informative
        bindings = None
    return {
        "device": device.name, "sm": device.sm, "driver": driver_release(),
        "cuda_driver_api": cuda_version_text(device.driver_version), "cuda_bindings": bindings,
        "trtplug": __version__, "library_trtplug": library_info.get("trtplug"),
        "library_toolchain": library_info.get("toolchain"), "library_archs": library_info.get("archs"),
        "python": platform.python_version(), **(extra or {}),
    }
