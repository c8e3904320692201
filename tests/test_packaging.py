"""The wheel a non-editable `pip install .` builds holds the templates and native sources."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest  # noqa: F401  (marker)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_templates_and_native_sources(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("trtplug-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "trtplug/codegen/templates/plugins.cpp.j2",
        "trtplug/build/templates/CMakeLists.txt.j2",
        "trtplug/build/exports.map",
        "trtplug/registry/core/trtplug_core.h",
        "trtplug/registry/core/trtplug_library.h",
    }
    expected |= {f"trtplug/registry/core/{p.name}" for p in (ROOT / "registry" / "core").glob("*.cpp")}
    expected |= {f"trtplug/codegen/templates/{p.name}" for p in (ROOT / "trtplug" / "codegen" / "templates").glob("*.j2")}
    for sub in ("tensorrt", "harness", "deepstream"):
        expected |= {f"trtplug/registry/{sub}/{p.name}" for p in (ROOT / "registry" / sub).glob("*.*")
                     if p.suffix in (".h", ".cpp")}
    missing = sorted(expected - names)
    assert not missing, missing
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points[0]).decode()
    assert "trtplug = trtplug.cli:main" in text
