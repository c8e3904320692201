"""The Python API (trtplug.compile, trtplug.test, suites) and the `trtplug test` command built on it:
plugins from files, classes and `python -c`, attribute test cases, suites run from other folders."""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import trtplug
from trtplug.cli import main as cli_main
from trtplug.testing.plan import read_plan

ROOT = Path(__file__).resolve().parents[1]
UPSAMPLE = str(ROOT / "kernels" / "upsample_nearest.py")
MISH = str(ROOT / "kernels" / "mish.py")
TRTPLUG = str(Path(sys.executable).with_name("trtplug"))


def has_tensorrt_headers() -> bool:
    from trtplug.native.tensorrt_headers import find_tensorrt_include
    try:
        find_tensorrt_include()
    except trtplug.HeadersNotFoundError:
        return False
    return True


needs_headers = pytest.mark.skipif(not has_tensorrt_headers(), reason="needs TensorRT headers")

def documented_plugin(api_function) -> str:
    """The code of `api_function`'s docstring example before its first `tp.compile(` call: the tests
    run the very plugin the documentation shows, so the example cannot drift from what works."""
    example = textwrap.dedent(api_function.__doc__.split("Example::", 1)[1]).strip("\n")
    lines = example.splitlines()
    first_call = next(i for i, line in enumerate(lines) if "tp.compile(" in line)
    return "\n".join(lines[:first_call]).rstrip() + "\n"


INLINE_PLUGIN = documented_plugin(trtplug.compile)


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_plugin_declared_in_python_c_compiles_and_tests(tmp_path):
    code = INLINE_PLUGIN + textwrap.dedent('''
        result = tp.compile(Double, output_dir="out", tensorrt=False, archs=[90])
        print("library", result.library)
        print("spec source", Double.spec().source)
        report = tp.test([Double], output_dir="test-out")
        print("report", report.runner, report.summary, report.passed)
    ''')
    proc = run_python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"library out{os.sep}libdouble_plugins.so" in proc.stdout
    assert (tmp_path / "out" / "libdouble_plugins.so").is_file()
    assert "spec source <unknown>" in proc.stdout
    report_line = next(line for line in proc.stdout.splitlines() if line.startswith("report"))
    assert report_line.endswith("True") and " 0 failed" in report_line


def test_plugin_in_a_module_made_from_a_string_is_found_through_the_module(tmp_path):
    code = ("import types\nm = types.ModuleType('made_from_text')\nexec(compile(%r, '<text>', 'exec'), m.__dict__)\n"
            "import trtplug\nprint(trtplug.compile(m, 'out', tensorrt=False, archs=[90]).library)") % INLINE_PLUGIN
    proc = run_python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("libmade_from_text_plugins.so")


def test_kernel_fingerprint_without_source_is_stable_and_follows_the_code(tmp_path):
    probe = textwrap.dedent('''
        from trtplug.aot.fingerprint import kernel_fingerprint
        def kernel(x):
            def inner(v):
                return v + %s
            return [inner(v) for v in x]
        print(kernel_fingerprint(kernel))
    ''')
    first, again, changed = (run_python(probe % c, tmp_path) for c in ("1", "1", "2"))
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    assert first.stdout != changed.stdout


@needs_headers
def test_default_relative_output_from_another_folder(tmp_path):
    proc = subprocess.run([TRTPLUG, "test", MISH], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 failed" in proc.stdout
    suite_dir = tmp_path / "build" / "test" / "plan"
    suite = json.loads((suite_dir / "suite.json").read_text())
    # inside the suite folder: relative to it; outside: absolute; never relative to the working directory
    assert Path(suite["library"]).is_absolute() or (suite_dir / suite["library"]).is_file()
    assert (suite_dir / suite["library"]).resolve() == (tmp_path / "build/test/lib/libmish_plugins.so").resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    rerun = subprocess.run([TRTPLUG, "test", "--run", "../build/test/plan"], cwd=elsewhere, capture_output=True,
                           text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert " 0 failed" in rerun.stdout


@needs_headers
def test_attribute_test_cases_reach_the_plugin_through_the_harness(tmp_path):
    report = trtplug.test(UPSAMPLE, output_dir=tmp_path)
    assert report.runner == "TensorRT harness" and report.passed, report.format()
    scaled = [row for row in report.rows if "scale=3" in row.label]
    assert scaled and all(row.passed for row in scaled)
    plan = read_plan(tmp_path / "plan")
    case = next(c for c in plan["cases"] if "scale=3" in c["label"])
    assert case["fields"] == [{"name": "scale", "type": 5, "length": 1, "data": "03000000"}]
    assert case["outputs"][0]["shape"] == [1, 2, 15, 21]  # the harness checks the plugin's dims against this
    assert report.summary == f"{len(report.rows)} passed, 0 failed"


def test_attribute_test_cases_through_the_c_api_without_headers(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRTPLUG_TENSORRT_INCLUDE", str(tmp_path / "none"))
    monkeypatch.setattr("trtplug.native.tensorrt_headers.SYSTEM_DIRS", ())
    monkeypatch.setattr("trtplug.native.tensorrt_headers._cache_dir", lambda: tmp_path / "no-cache")
    assert cli_main(["test", UPSAMPLE, "-o", str(tmp_path / "out"), "--engine"]) == 0
    out = capsys.readouterr().out
    if importlib.util.find_spec("tensorrt") is None:  # one-layer engines skip with the reason
        assert "--engine skipped: the tensorrt Python package is not importable" in out
    assert "Looked at:" in out and str(tmp_path / "none") in out  # the whole list, not just its first line
    assert "through the library's C API" in out
    assert "[float32,float32] 1x2x5x7 scale=3" in out
    report = trtplug.test(UPSAMPLE, output_dir=tmp_path / "out")
    assert report.runner == "C API" and report.passed
    assert any("scale=1" in row.label for row in report.rows)


def test_c_api_fallback_fails_when_attribute_values_do_not_reach_the_plugin(tmp_path, monkeypatch):
    monkeypatch.setenv("TRTPLUG_TENSORRT_INCLUDE", str(tmp_path / "none"))
    monkeypatch.setattr("trtplug.native.tensorrt_headers.SYSTEM_DIRS", ())
    monkeypatch.setattr("trtplug.native.tensorrt_headers._cache_dir", lambda: tmp_path / "no-cache")
    from trtplug.runtime import Library
    original = Library.instance

    def without_attributes(self, name, version=None, serialized=None, **attrs):
        return original(self, name, version, serialized)

    monkeypatch.setattr(Library, "instance", without_attributes)
    report = trtplug.test(UPSAMPLE, output_dir=tmp_path / "out")
    failed = {row.label for row in report.rows if not row.passed}
    non_default = {row.label for row in report.rows if "scale=" in row.label}  # scale=1 and scale=3 cases
    assert failed == non_default and non_default
    assert not report.passed


def test_trtplug_exports_load(tmp_path):
    lib = trtplug.compile(MISH, tmp_path, tensorrt=False, archs=[90]).library
    assert trtplug.load(lib, check_tensorrt=False).plugins == [("Mish", "1")]


def test_targets_must_be_plugins_files_or_modules(tmp_path):
    with pytest.raises(trtplug.TrtPlugError, match="targets: expected plugin classes, modules, files or module names, got int"):
        trtplug.compile(42, tmp_path)
    with pytest.raises(trtplug.TrtPlugError, match="expected a TrtPlugin subclass that declares a plugin"):
        trtplug.compile(trtplug.TrtPlugin, tmp_path)


@pytest.mark.parametrize("test_cases, message", [
    ([{"attrs": {"gain": 2.0}}], "Scaled.test_cases[0]['attrs']: no attribute named 'gain'"),
    ([{"attrs": {"alpha": 1.0}}, {"attrs": {"alpha": "big"}}], "Scaled.test_cases[1]['attrs']['alpha']: "),
    ([{"alpha": 1.0}], "Scaled.test_cases[0]: expected a dict with 'attrs' and/or 'shapes'"),
    ([{"attrs": {}, "shapes": {"x": (2, 3)}}], "Scaled.test_cases[0]['shapes'][0]['x']: rank 2 but the input is "
                                                "declared rank 1"),
    ({"attrs": {}}, "Scaled.test_cases: expected a non-empty list"),
])
def test_test_cases_declaration_mistakes_name_class_member_and_index(test_cases, message):
    with pytest.raises(trtplug.DefinitionError) as exc:
        type("Scaled", (trtplug.TrtPlugin,), {
            "inputs": [trtplug.Input("x", dtypes=("float32",), rank=1)], "outputs": [trtplug.Output("y", like="x")],
            "alpha": trtplug.Attr.float(1.0), "test_cases": test_cases,
            "enqueue": lambda self, x, y: None})
    assert str(exc.value).startswith(message)
