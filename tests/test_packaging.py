"""What `pip install .` installs is what the code needs at run time, and what this suite tests."""
import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import trtplug

ROOT = Path(__file__).resolve().parents[1]
BUILD_OUTPUTS = {".o", ".so", ".pyc"}


def runtime_files() -> set[str]:
    """Wheel paths of every file the code opens at run time: all of registry/ (native sources, headers,
    linker and version scripts) and every non-Python file inside the trtplug package (templates, maps)."""
    wanted = set()
    for path in (ROOT / "registry").rglob("*"):
        if path.is_file() and path.suffix not in BUILD_OUTPUTS and "__pycache__" not in path.parts:
            wanted.add("trtplug/registry/" + path.relative_to(ROOT / "registry").as_posix())
    for path in (ROOT / "trtplug").rglob("*"):
        if path.is_file() and path.suffix not in BUILD_OUTPUTS | {".py"} and "__pycache__" not in path.parts:
            wanted.add(path.relative_to(ROOT).as_posix())
    return wanted


@pytest.mark.slow
def test_wheel_ships_every_file_the_code_opens(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("trtplug-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = runtime_files()
    assert "trtplug/registry/harness/harness_exports.map" in wanted  # the file a wheel once lacked
    missing = sorted(wanted - names)
    assert not missing, f"the wheel lacks files the code opens at run time: {missing}"
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points[0]).decode()
    assert "trtplug = trtplug.cli:main" in text


def _installed_editable() -> bool:
    try:
        text = importlib.metadata.distribution("trtplug").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return False
    return bool(text) and json.loads(text).get("dir_info", {}).get("editable", False)


def test_suite_imports_the_installed_package():
    """A regular install is tested from site-packages, never from the checkout beside the tests: a file
    missing from the wheel then fails here as it would for a user."""
    location = Path(trtplug.__file__).resolve()
    if _installed_editable():
        pytest.skip("trtplug is installed in editable mode (pip install -e): the checkout is what is installed")
    if any(Path(p).resolve() == ROOT for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p):
        pytest.skip("$PYTHONPATH names the checkout: the suite runs from the source tree on purpose")
    assert not location.is_relative_to(ROOT / "trtplug") and "site-packages" in location.parts, (
        f"`import trtplug` resolved to {location}, not to the installed package")
    assert (location.parent / "registry" / "harness" / "harness_exports.map").is_file()
