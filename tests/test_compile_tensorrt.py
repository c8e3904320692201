"""`trtplug compile` / `trtplug test` with real TensorRT headers: the adapter, the harness lifecycle,
DeepStream entry points in the same library, the TensorRT 7 (DeepStream 5) build, and what happens
without headers (a clear stop, or a CMake project that builds the same library elsewhere)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from trtplug.native.tensorrt_headers import find_all_tensorrt_includes, find_cuda_include
from trtplug.cli import main as cli_main
from trtplug.runtime import Library

ROOT = Path(__file__).resolve().parents[1]
MISH = str(ROOT / "kernels" / "mish.py")
L2NORM = str(ROOT / "examples" / "l2norm" / "l2norm.py")
HEADERS = {h.major: h for h in find_all_tensorrt_includes()}
TRT7 = Path(os.environ.get("TRTPLUG_CACHE_DIR", Path.home() / ".cache" / "trtplug")) / "tensorrt" / "7.2.1" / "include"

needs_headers = pytest.mark.skipif(not HEADERS, reason="no TensorRT headers (see docs/tensorrt.md to fetch them)")

DS_FILE = """
import trtplug.deepstream as tds
detector = tds.YoloDetector("NvDsInferParseMyYolo", layout="CxN", num_classes=2)
"""


def exported(library: Path) -> set[str]:
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


@needs_headers
@pytest.mark.trt_headers
@pytest.mark.parametrize("major", sorted(HEADERS))
def test_test_command_runs_the_lifecycle_of_every_plugin(major, tmp_path, capsys):
    headers = HEADERS[major]
    rc = cli_main(["test", MISH, L2NORM, "--arch", "90", "-o", str(tmp_path), "--tensorrt-include",
                   str(headers.include_dir)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"TensorRT {headers.version} harness" in out
    assert "14 passed, 0 failed" in out  # Mish: 2 dtypes x 3 shapes; L2Normalize: 2 dtypes x 4 shapes


@needs_headers
@pytest.mark.trt_headers
def test_plugins_and_deepstream_parsers_share_one_library(tmp_path, capsys):
    ds_file = tmp_path / "detector.py"
    ds_file.write_text(DS_FILE)
    headers = HEADERS[max(HEADERS)]
    assert cli_main(["compile", MISH, str(ds_file), "-o", str(tmp_path / "out"), "--name", "model", "--arch", "90",
                     "-q", "--tensorrt-include", str(headers.include_dir)]) == 0
    library = tmp_path / "out" / "libmodel.so"
    names = exported(library)
    assert {"NvDsInferParseMyYolo", "NvDsInferPluginFactoryRuntimeGet", "NvDsInferPluginFactoryRuntimeDestroy",
            "getCreators", "setLoggerFinder"} <= names
    config = tmp_path / "out" / "config_infer.txt"
    (tmp_path / "out" / "model.onnx").write_bytes(b"")
    assert cli_main(["deepstream", "config", "-o", str(config), "--lib", str(library), "--onnx",
                     str(tmp_path / "out" / "model.onnx"), "--network-type", "detector", "--num-classes", "2"]) == 0
    assert "parse-bbox-func-name=NvDsInferParseMyYolo" in config.read_text()
    capsys.readouterr()
    assert cli_main(["deepstream", "check", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Mish (version 1)" in out and "usable by nvinfer" in out


@pytest.mark.trt_headers
@pytest.mark.skipif(not (TRT7 / "NvInfer.h").is_file(), reason=f"no TensorRT 7 headers at {TRT7}")
def test_tensorrt7_build_restores_plugins_through_the_plugin_factory(tmp_path, capsys):
    assert cli_main(["compile", MISH, "-o", str(tmp_path), "--name", "ds5", "--arch", "90", "-q",
                     "--tensorrt-include", str(TRT7)]) == 0
    library = tmp_path / "libds5.so"
    names = exported(library)
    assert {"NvDsInferPluginFactoryRuntimeGet", "NvDsInferPluginFactoryRuntimeDestroy"} <= names
    assert not {"getCreators", "getPluginCreators"} & names  # TensorRT 7 has no dynamic plugin loading
    assert Library(library).info["tensorrt"] == "7.2.1"


def test_missing_headers_stop_with_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRTPLUG_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("TRTPLUG_TENSORRT_INCLUDE", raising=False)
    monkeypatch.delenv("TENSORRT_ROOT", raising=False)
    if any(Path(p, "NvInfer.h").is_file() for p in ("/usr/include/x86_64-linux-gnu", "/usr/local/tensorrt/include",
                                                   "/usr/src/tensorrt/include", "/usr/include/aarch64-linux-gnu")):
        pytest.skip("TensorRT is installed system-wide here")
    rc = cli_main(["compile", MISH, "-o", str(tmp_path / "out"), "--arch", "90"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "TensorRT headers not found. Looked at:" in err and "/usr/include/x86_64-linux-gnu" in err
    assert "Kernels were compiled and the sources written to" in err and "--emit-project" in err
    assert (tmp_path / "out" / "src" / "plugins.cpp").is_file()
    assert not (tmp_path / "out" / "libmish_plugins.so").exists()


@pytest.mark.slow
@needs_headers
@pytest.mark.trt_headers
def test_emitted_cmake_project_builds_the_library_elsewhere(tmp_path, monkeypatch, capsys):
    if not shutil.which("cmake"):
        pytest.skip("cmake is not installed")
    monkeypatch.setenv("TRTPLUG_CACHE_DIR", str(tmp_path / "empty-cache"))
    if any(Path(p, "NvInfer.h").is_file() for p in ("/usr/include/x86_64-linux-gnu", "/usr/local/tensorrt/include")):
        pytest.skip("TensorRT is installed system-wide here")
    assert cli_main(["compile", MISH, "-o", str(tmp_path / "out"), "--arch", "90", "--emit-project", "-q"]) == 0
    project = tmp_path / "out" / "project"
    assert (project / "CMakeLists.txt").is_file()
    # "Another machine": a copy of the project alone, built with TensorRT headers found via TENSORRT_ROOT.
    target = tmp_path / "target" / "project"
    shutil.copytree(project, target)
    headers = HEADERS[max(HEADERS)]
    build = tmp_path / "target" / "build"
    env = {**os.environ, "TENSORRT_ROOT": str(headers.include_dir.parent), "CUDA_HOME": str(find_cuda_include().parent)}
    for cmd in (["cmake", "-S", str(target), "-B", str(build)], ["cmake", "--build", str(build), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    built = build / "libmish_plugins.so"
    assert Library(built).plugins == [("Mish", "1")]
    assert {"getCreators", "setLoggerFinder"} <= exported(built)
