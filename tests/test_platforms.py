"""Where a built library loads: the glibc floor of the default build, aarch64 (Jetson) libraries and
their lifecycle under qemu, the system toolchain, and the --target / --toolchain mistakes a user can make.

Everything goes through the `trtplug` command line and reads the built files' ELF facts (machine,
newest GLIBC_ symbol version, NEEDED libraries) the way the loader on the target will.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trtplug.native.elf_facts import read_elf_facts
from trtplug.native.tensorrt_headers import find_tensorrt_include
from trtplug.errors import HeadersNotFoundError

REPO = Path(__file__).resolve().parent.parent
KERNELS = sorted(str(p) for p in (REPO / "kernels").glob("*.py"))
MISH = str(REPO / "kernels" / "mish.py")


def trtplug(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trtplug.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=1800)


def tensorrt10_include() -> Path:
    try:
        headers = find_tensorrt_include(Path.home() / ".cache" / "trtplug" / "tensorrt" / "10.16" / "include")
    except HeadersNotFoundError as exc:
        pytest.skip(f"TensorRT 10 headers not found: {exc}")
    return headers.include_dir


def qemu_aarch64_or_skip() -> None:
    if not shutil.which("qemu-aarch64"):
        pytest.skip("qemu-aarch64 not installed (Debian: apt-get install qemu-user)")
    if not Path("/usr/aarch64-linux-gnu/lib/libc.so.6").is_file():
        pytest.skip("aarch64 C library not installed (Debian: apt-get install libc6-arm64-cross)")


@pytest.mark.trt_headers
@pytest.mark.slow
def test_default_build_loads_on_glibc_2_17_with_no_cxx_runtime_needed(tmp_path):
    run = trtplug("compile", MISH, "-o", tmp_path, "--tensorrt-include", tensorrt10_include())
    assert run.returncode == 0, run.stderr
    facts = read_elf_facts(tmp_path / "libmish_plugins.so")
    assert facts.machine == "x86_64"
    assert facts.glibc is not None and facts.glibc <= (2, 17), facts
    assert facts.glibcxx is None and not any("libstdc++" in n or "libc++" in n for n in facts.needed), facts
    shown = trtplug("inspect", tmp_path / "libmish_plugins.so")
    assert shown.returncode == 0, shown.stderr
    assert f"loads on: x86_64 Linux, glibc >= {'.'.join(map(str, facts.glibc))}" in shown.stdout
    assert "C++ toolchain: bundled clang/libc++ (ziglang) for x86_64-linux-gnu.2.17" in shown.stdout


@pytest.mark.trt_headers
@pytest.mark.slow
def test_aarch64_library_for_jetson_and_its_lifecycle_under_qemu(tmp_path):
    qemu_aarch64_or_skip()
    include = tensorrt10_include()
    run = trtplug("compile", *KERNELS, "-o", tmp_path / "build" / "lib", "--target", "aarch64-linux-gnu",
                  "--tensorrt-include", include)
    assert run.returncode == 0, run.stderr
    [library] = (tmp_path / "build" / "lib").glob("lib*.so")  # the one `trtplug test -o build` makes again
    facts = read_elf_facts(library)
    assert facts.machine == "aarch64" and facts.glibc <= (2, 31), facts
    assert facts.glibcxx is None, facts
    info = json.loads(library.with_name(library.name[3:-3] + ".json").read_text())
    assert info["archs"] == [72, 87] and info["ptx"]["target"] == "sm_72"  # Xavier, Orin; PTX for both

    shown = trtplug("inspect", library)  # not loadable here: read from the ELF file and <name>.json
    assert shown.returncode == 0, shown.stderr
    assert "loads on: aarch64 Linux, glibc >= 2.17 (not loadable here" in shown.stdout
    assert "cubin for sm_72, sm_87" in shown.stdout

    suite = tmp_path / "suite"
    prepared = trtplug("test", *KERNELS, "--target", "aarch64-linux-gnu", "--tensorrt-include", include,
                       "-o", tmp_path / "build", "--prepare", suite)
    assert prepared.returncode == 0, prepared.stderr
    harness = next(p for p in suite.iterdir() if p.name.startswith("trtplug_harness"))
    assert read_elf_facts(harness).machine == "aarch64" and read_elf_facts(harness).glibc <= (2, 17)
    ran = trtplug("test", "--run", suite)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "[emulated: qemu-aarch64]" in ran.stdout
    assert "every step but enqueue ran" in ran.stdout
    written = int(prepared.stdout.split("wrote ", 1)[1].split()[0])
    assert f"{written} passed, 0 failed" in ran.stdout


@pytest.mark.slow
def test_system_toolchain_builds_with_this_machines_libstdcxx(tmp_path):
    if not shutil.which("g++"):
        pytest.skip("g++ not installed")
    run = trtplug("compile", MISH, "-o", tmp_path, "--no-tensorrt", "--toolchain", "system")
    assert run.returncode == 0, run.stderr
    facts = read_elf_facts(tmp_path / "libmish_plugins.so")
    assert "libstdc++.so.6" in facts.needed and facts.glibcxx is not None


@pytest.mark.parametrize("args, message", [
    (["--target", "riscv64-linux-gnu"], "expected MACHINE[-linux-gnu[.GLIBC]] with MACHINE one of x86_64, aarch64"),
    (["--target", "aarch64-linux-gnu.2.5"], "glibc 2.5 is older than any TensorRT supports"),
    (["--target", "aarch64-linux-gnu", "--toolchain", "system"], "--toolchain system builds for this machine"),
    (["--target", "x86_64-linux-gnu.2.28", "--toolchain", "system"], "a glibc floor needs the bundled toolchain"),
])
def test_platform_mistakes_are_one_line_errors(tmp_path, args, message):
    run = trtplug("compile", MISH, "-o", tmp_path, "--no-tensorrt", *args)
    assert run.returncode == 1
    assert message in run.stderr and "Traceback" not in run.stderr
    assert not list(tmp_path.glob("*.so"))


def test_foreign_harness_without_qemu_says_what_to_install(tmp_path, monkeypatch):
    from trtplug.native.toolchain import host_arch
    from trtplug.testing import run as harness_run

    if host_arch() == "aarch64":
        pytest.skip("an aarch64 program is this machine's own here")

    aarch64_program = tmp_path / "program"  # an ELF header is all program_runner reads
    header = bytearray(64)
    header[:4] = b"\x7fELF"
    header[4], header[5], header[6] = 2, 1, 1          # 64-bit, little-endian, version 1
    header[16:18] = (2).to_bytes(2, "little")          # ET_EXEC
    header[18:20] = (183).to_bytes(2, "little")        # EM_AARCH64
    header[20:24] = (1).to_bytes(4, "little")
    header[52:54] = (64).to_bytes(2, "little")         # e_ehsize
    aarch64_program.write_bytes(bytes(header))
    monkeypatch.setattr(harness_run.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "elftools", None)  # a GPU machine runs suites without pyelftools
    from trtplug.errors import TrtPlugError
    with pytest.raises(TrtPlugError, match="program for aarch64 machines.*install qemu-user"):
        harness_run.program_runner(aarch64_program)


CUSTOM_PARSER_CPP = """
#include "nvdsinfer_custom_impl.h"
extern "C" __attribute__((visibility("default")))
bool MyParse(std::vector<NvDsInferLayerInfo> const&, NvDsInferNetworkInfo const&,
             NvDsInferParseDetectionParams const&, std::vector<NvDsInferObjectDetectionInfo>& objects) {
    objects.push_back(NvDsInferObjectDetectionInfo{});
    return true;
}
CHECK_CUSTOM_PARSE_FUNC_PROTOTYPE(MyParse)
"""
CUSTOM_PARSER_PY = """
from pathlib import Path
import trtplug.deepstream as tds
mine = tds.CustomSource(Path(__file__).parent / "mine.cpp", functions={"MyParse": "bbox"})
"""


@pytest.mark.slow
def test_a_users_own_nvinfer_code_is_built_with_libstdcxx(tmp_path):
    """Hand-written parser C++ fills nvinfer's std::vector with its own std:: calls: the library is
    built with the system toolchain (libstdc++) unless one is chosen, and the bundled one refuses it."""
    if not shutil.which("g++"):
        pytest.skip("g++ not installed")
    (tmp_path / "mine.cpp").write_text(CUSTOM_PARSER_CPP)
    (tmp_path / "parsers.py").write_text(CUSTOM_PARSER_PY)
    run = trtplug("compile", tmp_path / "parsers.py", "-o", tmp_path / "out", "--no-tensorrt")
    assert run.returncode == 0, run.stderr
    assert "libstdc++.so.6" in read_elf_facts(tmp_path / "out" / "libparsers_plugins.so").needed
    refused = trtplug("compile", tmp_path / "parsers.py", "-o", tmp_path / "out2", "--no-tensorrt",
                      "--toolchain", "bundled")
    assert refused.returncode == 1
    assert "must be built with libstdc++, as nvinfer is" in refused.stderr and "--toolchain system" in refused.stderr
    elsewhere = trtplug("compile", tmp_path / "parsers.py", "-o", tmp_path / "out3", "--no-tensorrt",
                        "--target", "aarch64-linux-gnu")
    assert elsewhere.returncode == 1 and "CustomSource parser" in elsewhere.stderr
